import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import initSqlJs from 'sql.js';
import t from 'tap';
import { activeSegment, sealedSegment } from '../../../../lib/store/sqljs/journal-files.js';
import { encodeRecord } from '../../../../lib/store/sqljs/journal-record.js';
import { recoverJournal } from '../../../../lib/store/sqljs/journal-recovery.js';
import { MIGRATIONS } from '../../../../lib/store/sqljs/migrations.js';
import { all } from '../../../../lib/store/sqljs/sql.js';
import { stateRow } from '../../../helpers/rows.js';
import { tempDir } from '../../../helpers/tmp.js';

async function catalog() {
  const db = new (await initSqlJs()).Database();
  for (const m of MIGRATIONS) db.exec(m);
  return db;
}

/** Records `from`..`to`, each inserting a state. */
const records = (from: number, to: number) => {
  const out: Buffer[] = [];
  for (let seq = from; seq <= to; seq++)
    out.push(encodeRecord(seq, JSON.stringify([['insertState', stateRow()]])));
  return out;
};
const states = (db: Awaited<ReturnType<typeof catalog>>) =>
  all(db, 'SELECT state_id FROM states').length;

t.test('a torn tail of the active segment is cut off, never refused', async (t) => {
  const dir = await tempDir(t);
  const path = activeSegment(join(dir, 'state.db'));
  const whole = Buffer.concat(records(1, 3));
  const next = (records(4, 4)[0] as Buffer).subarray(0, 30);
  await writeFile(path, Buffer.concat([whole, next]));
  const db = await catalog();
  const got = await recoverJournal(db, { sealed: [], active: path });
  t.equal(got.lastSeq, 3);
  t.equal(states(db), 3);
  t.equal((await readFile(path)).length, whole.length, 'cut after the last whole record');
});

t.test('damage in the middle of the active segment is refused, the file kept', async (t) => {
  const dir = await tempDir(t);
  const path = activeSegment(join(dir, 'state.db'));
  const bytes = Buffer.concat(records(1, 4));
  const second = (records(1, 1)[0] as Buffer).length;
  bytes.writeUInt8((bytes[second + 25] as number) ^ 0xff, second + 25); // a bit flip in record 2's payload: records 3 and 4 follow whole
  await writeFile(path, bytes);
  const db = await catalog();
  await t.rejects(
    recoverJournal(db, { sealed: [], active: path }),
    /damaged at byte \d+.*record 3 follows/,
  );
  t.same(await readFile(path), bytes, 'the answered records after the damage are kept');
  t.equal(states(db), 0, 'nothing replayed');
});

t.test('a sealed segment must be whole and end at the record its name says', async (t) => {
  const dir = await tempDir(t);
  const catalogPath = join(dir, 'state.db');
  const first = sealedSegment(catalogPath, 2);
  await writeFile(first, Buffer.concat(records(1, 2)));
  const last = sealedSegment(catalogPath, 5);
  const cut = Buffer.concat(records(3, 5));
  await writeFile(last, cut.subarray(0, cut.length - 10)); // record 5 torn
  await t.rejects(
    recoverJournal(await catalog(), { sealed: [first, last] }),
    /journal-0000000000000005 is damaged.*ends at record 4, its name says 5/,
  );
  t.equal((await readFile(last)).length, cut.length - 10, 'left as it is');
  await writeFile(last, Buffer.concat(records(3, 4))); // whole, but short of its name
  await t.rejects(
    recoverJournal(await catalog(), { sealed: [first, last] }),
    /ends at record 4, its name says 5/,
  );
});

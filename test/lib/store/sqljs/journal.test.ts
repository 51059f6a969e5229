import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { encodeRecord, Journal, type Statement } from '../../../../lib/store/sqljs/journal.js';
import { tempDir } from '../../../helpers/tmp.js';

const A: Statement[] = [['INSERT INTO t VALUES (?, ?)', ['a', 1]]];
const B: Statement[] = [
  ['DELETE FROM t WHERE k = ?', ['a']],
  ['INSERT INTO t VALUES (?, ?)', ['b', null]],
];

async function journalAt(t: Test, size = 4096) {
  const path = join(await tempDir(t), 'state.db-journal');
  const journal = await Journal.open(path, size);
  await journal.allocate();
  return { path, journal };
}

t.test('records come back in order, for their epoch only', async (t) => {
  const { path, journal } = await journalAt(t);
  t.same(await journal.replay(1), [], 'a new journal is blank');
  await journal.append(encodeRecord(1, A));
  await journal.append(encodeRecord(1, B));
  await journal.close();
  const again = await Journal.open(path, 4096);
  t.same(await again.replay(1), [A, B]);
  t.same(await again.replay(2), [], 'records of an older epoch are retired');
  await again.close();
});

t.test('a torn or stale record ends the replay', async (t) => {
  const { path, journal } = await journalAt(t);
  const first = encodeRecord(3, A);
  await journal.append(first);
  await journal.append(encodeRecord(3, B));
  await journal.close();
  const bytes = await readFile(path);
  const at = first.length + 25; // a byte of the second record's statements
  bytes.writeUInt8(bytes.readUInt8(at) ^ 0xff, at);
  await writeFile(path, bytes);
  const torn = await Journal.open(path, 4096);
  t.same(await torn.replay(3), [A], 'the torn record and what follows are ignored');
  // After a checkpoint the journal starts over: records of the old epoch behind the new
  // ones are never read as part of the new epoch.
  torn.restart();
  await torn.append(encodeRecord(4, B));
  t.same(await torn.replay(4), [B]);
  await torn.close();
});

t.test('the journal is allocated up front, and says when a record no longer fits', async (t) => {
  const { path, journal } = await journalAt(t, 256);
  t.equal((await readFile(path)).length, 256, 'zero-filled to its size');
  const record = encodeRecord(1, A);
  let appended = 0;
  while (journal.fits(record)) {
    await journal.append(record);
    appended++;
  }
  t.equal(appended, Math.floor(256 / record.length));
  t.equal((await readFile(path)).length, 256, 'never grows');
  await journal.close();
});

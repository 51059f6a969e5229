import initSqlJs from 'sql.js';
import t from 'tap';
import type { JournalRecord } from '../../../../lib/store/sqljs/journal-record.js';
import {
  checkpointSeq,
  recordingWriter,
  replayRecords,
  setCheckpointSeq,
} from '../../../../lib/store/sqljs/journal-replay.js';
import { MIGRATIONS } from '../../../../lib/store/sqljs/migrations.js';
import { all } from '../../../../lib/store/sqljs/sql.js';
import { sqljsWriter } from '../../../../lib/store/sqljs/writer.js';
import { stateRow } from '../../../helpers/rows.js';

async function catalog() {
  const db = new (await initSqlJs()).Database();
  for (const m of MIGRATIONS) db.exec(m);
  return db;
}
const ids = (db: Awaited<ReturnType<typeof catalog>>) =>
  all<{ state_id: string }>(db, 'SELECT state_id FROM states ORDER BY created_at').map(
    (r) => r.state_id,
  );

t.test('the calls a transaction made, replayed, give the state it committed', async (t) => {
  const db = await catalog();
  const a = stateRow({ created_at: '2026-01-01T00:00:01.000Z' });
  const b = stateRow({ created_at: '2026-01-01T00:00:02.000Z' });
  const rec = recordingWriter(sqljsWriter(db));
  rec.writer.insertState(a);
  t.throws(() => rec.writer.insertState(a), 'a duplicate fails');
  rec.writer.insertState(b);
  rec.writer.touchState(a.state_id, '2026-03-01T00:00:00.000Z');
  a.state_id = 'changed after the call'; // what was noted is the call as it ran
  const calls = JSON.parse(rec.calls());
  t.same(
    calls.map((c: unknown[]) => c[0]),
    ['insertState', 'insertState', 'touchState'],
    'the failed call is left out',
  );
  const copy = await catalog();
  t.equal(replayRecords(copy, [{ seq: 1, calls }], 0), 1);
  t.same(ids(copy), ids(db));
  t.same(all(copy, 'SELECT * FROM states'), all(db, 'SELECT * FROM states'));
});

t.test('records the snapshot holds are skipped; a missing one or a bad call throws', async (t) => {
  const db = await catalog();
  const [a, b] = [stateRow(), stateRow()];
  const records: JournalRecord[] = [
    { seq: 4, calls: [['insertState', a]] },
    { seq: 5, calls: [['insertState', b]] },
  ];
  t.equal(replayRecords(db, records, 4), 5, 'record 4 is in the snapshot already');
  t.same(ids(db), [b.state_id]);
  t.throws(() => replayRecords(db, [{ seq: 7, calls: [] }], 5), /record 6 is missing/);
  t.throws(
    () => replayRecords(db, [{ seq: 6, calls: [['dropTables']] }], 5),
    /record 6 does not apply: unknown writer call dropTables/,
  );
  t.throws(
    () =>
      replayRecords(
        db,
        [
          {
            seq: 6,
            calls: [
              ['insertState', stateRow(), 0],
              ['insertState', b],
            ],
          },
        ],
        5,
      ),
    /record 6 does not apply/,
  );
  t.equal(all(db, 'SELECT * FROM states').length, 1, 'a record that fails is rolled back whole');
});

t.test('the snapshot stamp: 0 when absent, then what was set', async (t) => {
  const db = await catalog();
  t.equal(checkpointSeq(db), 0);
  setCheckpointSeq(db, 42);
  setCheckpointSeq(db, 43);
  t.equal(checkpointSeq(db), 43);
});

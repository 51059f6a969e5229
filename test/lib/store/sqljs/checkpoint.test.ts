import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import initSqlJs from 'sql.js';
import t, { type Test } from 'tap';
import { checkpointFromFiles, checkpointInThread } from '../../../../lib/store/sqljs/checkpoint.js';
import { encodeRecord } from '../../../../lib/store/sqljs/journal-record.js';
import { checkpointSeq } from '../../../../lib/store/sqljs/journal-replay.js';
import { MIGRATIONS } from '../../../../lib/store/sqljs/migrations.js';
import { all } from '../../../../lib/store/sqljs/sql.js';
import { stateRow } from '../../../helpers/rows.js';
import { tempDir } from '../../../helpers/tmp.js';

/** A snapshot and two sealed segments of one insert each, records 1 and 2. */
async function catalogWithSegments(t: Test) {
  const dir = await tempDir(t);
  const SQL = await initSqlJs();
  const db = new SQL.Database();
  for (const m of MIGRATIONS) db.exec(m);
  const catalogPath = join(dir, 'state.db');
  await writeFile(catalogPath, db.export());
  db.close();
  const rows = [stateRow(), stateRow()];
  const segments = [1, 2].map((seq) =>
    join(dir, `state.db.journal-${String(seq).padStart(16, '0')}`),
  );
  for (const [i, path] of segments.entries())
    await writeFile(path, encodeRecord(i + 1, JSON.stringify([['insertState', rows[i]]])));
  return { dir, catalogPath, segments, rows, SQL };
}

for (const [label, run] of [
  ['on this thread', checkpointFromFiles],
  ['on a thread of its own', checkpointInThread],
] as const) {
  t.test(`a checkpoint ${label} folds the segments into state.db and removes them`, async (t) => {
    const { dir, catalogPath, segments, rows, SQL } = await catalogWithSegments(t);
    const result = await run({ catalogPath, segments });
    t.match(result, { ok: true, seq: 2 });
    t.same(await readdir(dir), ['state.db'], 'segments and temporary file gone');
    const db = new SQL.Database(await readFile(catalogPath));
    t.equal(checkpointSeq(db), 2, 'the snapshot says what it holds');
    t.same(
      all<{ state_id: string }>(db, 'SELECT state_id FROM states')
        .map((r) => r.state_id)
        .sort(),
      rows.map((r) => r.state_id).sort(),
    );
    db.close();
  });
}

t.test('segments that do not follow on fail the checkpoint and change nothing', async (t) => {
  const { dir, catalogPath, segments } = await catalogWithSegments(t);
  const before = await readFile(catalogPath);
  const result = await checkpointFromFiles({ catalogPath, segments: [segments[1] as string] });
  t.match(result, { ok: false, error: { message: /record 1 is missing/ } });
  t.same(await readFile(catalogPath), before);
  t.equal((await readdir(dir)).length, 3);
});

t.test('a damaged sealed segment fails the checkpoint and is kept', async (t) => {
  const { dir, catalogPath, segments } = await catalogWithSegments(t);
  const before = await readFile(catalogPath);
  const last = segments[1] as string;
  const bytes = await readFile(last);
  await writeFile(last, bytes.subarray(0, bytes.length - 5)); // record 2 cut short
  const result = await checkpointFromFiles({ catalogPath, segments });
  t.match(result, { ok: false, error: { message: /is damaged: it ends at record 0/ } });
  t.same(await readFile(catalogPath), before, 'state.db unchanged');
  t.equal((await readdir(dir)).length, 3, 'both segments kept');
});

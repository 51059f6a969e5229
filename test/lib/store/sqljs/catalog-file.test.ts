import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { openSqljsStore, STATE_DB } from '../../../../lib/store/sqljs/index.js';
import { encodeRecord } from '../../../../lib/store/sqljs/journal.js';
import { stateRow } from '../../../helpers/rows.js';
import { tempDir } from '../../../helpers/tmp.js';

const JOURNAL = `${STATE_DB}-journal`;

/** What a crash would leave on disk right now: both files, copied while the store is open. */
async function crashCopy(t: Test, dir: string): Promise<string> {
  const copy = await tempDir(t);
  for (const f of [STATE_DB, JOURNAL]) await writeFile(join(copy, f), await readFile(join(dir, f)));
  return copy;
}

t.test('an answered write is in the journal, not in a rewritten state.db', async (t) => {
  const dir = await tempDir(t);
  const store = await openSqljsStore({ dir });
  const snapshot = await readFile(join(dir, STATE_DB));
  const rows = [stateRow(), stateRow()];
  for (const row of rows) await store.write((w) => w.insertState(row));
  t.same(await readFile(join(dir, STATE_DB)), snapshot, 'the snapshot was not written again');
  const after = await openSqljsStore({ dir: await crashCopy(t, dir) });
  t.ok(
    rows.every((r) => after.getState(r.state_id)),
    'replayed from the journal',
  );
  await after.close();
  await store.close();
});

t.test('a full journal is checkpointed into state.db; records keep their order', async (t) => {
  const dir = await tempDir(t);
  const store = await openSqljsStore({ dir, journalBytes: 2048 });
  const rows = Array.from({ length: 30 }, () => stateRow());
  for (const row of rows) await store.write((w) => w.insertState(row));
  await store.write((w) => w.touchState(rows[0]?.state_id as string, '2030-01-01T00:00:00.000Z'));
  t.equal((await stat(join(dir, JOURNAL))).size, 2048, 'the journal never grows');
  const after = await openSqljsStore({ dir: await crashCopy(t, dir), journalBytes: 2048 });
  t.equal(after.listStates({}, { limit: 100 }).length, 30);
  t.equal(after.getState(rows[0]?.state_id as string)?.last_used_at, '2030-01-01T00:00:00.000Z');
  await after.close();
  await store.close();
});

t.test('close leaves everything in state.db', async (t) => {
  const dir = await tempDir(t);
  const store = await openSqljsStore({ dir });
  const row = stateRow();
  await store.write((w) => w.insertState(row));
  await store.close();
  const alone = await tempDir(t);
  await writeFile(join(alone, STATE_DB), await readFile(join(dir, STATE_DB)));
  const after = await openSqljsStore({ dir: alone });
  t.ok(after.getState(row.state_id), 'without its journal');
  await after.close();
});

t.test('a new catalog ignores a journal another catalog left behind', async (t) => {
  const dir = await tempDir(t);
  const stale = Buffer.alloc(4096);
  encodeRecord(0, [['INSERT INTO nowhere VALUES (?)', [1]]]).copy(stale);
  await writeFile(join(dir, JOURNAL), stale);
  const store = await openSqljsStore({ dir });
  t.equal(store.listStates({}, { limit: 10 }).length, 0);
  await store.close();
});

t.test('a journal that does not apply is refused and left untouched', async (t) => {
  const dir = await tempDir(t);
  await (await openSqljsStore({ dir })).close(); // epoch 1
  const bad = Buffer.alloc(4096);
  encodeRecord(1, [['INSERT INTO nowhere VALUES (?)', [1]]]).copy(bad);
  await writeFile(join(dir, JOURNAL), bad);
  await t.rejects(openSqljsStore({ dir }), /journal does not apply.*refusing to start/);
  t.ok((await readFile(join(dir, JOURNAL))).equals(bad), 'journal unchanged');
});

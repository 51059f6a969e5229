import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import initSqlJs from 'sql.js';
import t from 'tap';
import { openSqljsStore, STATE_DB } from '../../../../lib/store/sqljs/index.js';
import { SCHEMA_VERSION } from '../../../../lib/store/sqljs/migrations.js';
import { copyCatalog } from '../../../helpers/catalog-files.js';
import { stateRow } from '../../../helpers/rows.js';
import { storeContract } from '../../../helpers/store-contract.js';
import { tempDir } from '../../../helpers/tmp.js';
import { unsavable } from '../../../helpers/unsavable.js';

t.test('a new catalog has an id, a schema version and a file on disk', async (t) => {
  const dir = await tempDir(t);
  const store = await openSqljsStore({ dir });
  t.match(store.catalogId, /^[0-9a-f]{8}$/);
  t.equal(store.schemaVersion, SCHEMA_VERSION);
  const st = await stat(join(dir, STATE_DB));
  t.equal(st.mode & 0o777, 0o600, 'state.db is owner-only');
  await store.close();
  const again = await openSqljsStore({ dir });
  t.equal(again.catalogId, store.catalogId, 'the catalog id survives a restart');
  await again.close();
});

t.test('writes that arrive together share flushes', async (t) => {
  const dir = await tempDir(t);
  const store = await openSqljsStore({ dir });
  const before = (await stat(join(dir, STATE_DB))).mtimeMs;
  await Promise.all(
    Array.from({ length: 50 }, () => store.write((w) => w.insertState(stateRow()))),
  );
  t.equal(store.listStates({}, { limit: 100 }).length, 50);
  t.ok((await stat(join(dir, STATE_DB))).mtimeMs >= before);
  await store.close();
  const again = await openSqljsStore({ dir });
  t.equal(again.listStates({}, { limit: 100 }).length, 50, 'every answered write is on disk');
  await again.close();
});

t.test('an unreadable state.db is refused and left untouched', async (t) => {
  const cases: Record<string, Uint8Array> = {
    garbage: Buffer.from('this is not sqlite at all, just some text '.repeat(200)),
    empty: new Uint8Array(0),
  };
  const SQL = await initSqlJs();
  const foreign = new SQL.Database();
  foreign.run('CREATE TABLE other (x)');
  cases['foreign sqlite'] = foreign.export();
  const newer = new SQL.Database();
  newer.run(
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT); INSERT INTO meta VALUES ('schema_version', '999')",
  );
  cases['newer schema'] = newer.export();
  for (const [label, bytes] of Object.entries(cases)) {
    const dir = await tempDir(t);
    const path = join(dir, STATE_DB);
    await writeFile(path, bytes);
    await t.rejects(openSqljsStore({ dir }), /refusing to start/, label);
    t.same(await readFile(path), Buffer.from(bytes), `${label}: file unchanged`);
  }
});

t.test('temp files of a crashed flush are removed at open', async (t) => {
  const dir = await tempDir(t);
  await (await openSqljsStore({ dir })).close();
  await writeFile(join(dir, `${STATE_DB}.tmp-99999`), 'half');
  const store = await openSqljsStore({ dir });
  await t.rejects(stat(join(dir, `${STATE_DB}.tmp-99999`)));
  await store.close();
});

t.test('a version 1 catalog is migrated to the current version, its rows kept', async (t) => {
  const dir = await tempDir(t);
  const SQL = await initSqlJs();
  const db = new SQL.Database();
  const { MIGRATIONS } = await import('../../../../lib/store/sqljs/migrations.js');
  db.exec(MIGRATIONS[0] as string);
  db.run("INSERT INTO meta VALUES ('catalog_id', 'abcdef01'), ('schema_version', '1')");
  const s = stateRow();
  db.run(
    `INSERT INTO states (state_id, image_id, resolved_image_id, prepare_kind,
      prepare_args_normalized, db_name, created_at) VALUES (?, 'postgres', 'r', 'psql', '-c x', 'd', 'now')`,
    [s.state_id],
  );
  await writeFile(join(dir, STATE_DB), db.export());
  db.close();
  const store = await openSqljsStore({ dir });
  t.equal(store.schemaVersion, SCHEMA_VERSION);
  t.equal(store.catalogId, 'abcdef01');
  t.ok(store.getState(s.state_id), 'the state row is still there');
  t.same(store.listPooled(), [], 'the pool table exists');
  t.same(
    store.listStates({ image: 'postgres' }, { limit: 10 }).map((e) => e.state_id),
    [s.state_id],
    'listed by image (v3 indexes it)',
  );
  await store.close();
  const reopened = await openSqljsStore({ dir });
  t.equal(reopened.schemaVersion, SCHEMA_VERSION, 'the migration was flushed');
  await reopened.close();
});

t.test('a version 3 catalog keeps its warm copies, as made for build_role admin', async (t) => {
  const dir = await tempDir(t);
  const SQL = await initSqlJs();
  const db = new SQL.Database();
  const { MIGRATIONS } = await import('../../../../lib/store/sqljs/migrations.js');
  for (const m of MIGRATIONS.slice(0, 3)) db.exec(m);
  db.run("INSERT INTO meta VALUES ('catalog_id', 'abcdef01'), ('schema_version', '3')");
  db.run("INSERT INTO pool VALUES ('p1', 's1', 'postgres', 'now')");
  await writeFile(join(dir, STATE_DB), db.export());
  db.close();
  const store = await openSqljsStore({ dir });
  t.same(store.listPooled(), [
    {
      db_name: 'p1',
      state_id: 's1',
      image_id: 'postgres',
      created_at: 'now',
      access: 'admin',
      password: null,
      engine_id: null,
    },
  ]);
  await store.write((w) =>
    w.addPooled({
      db_name: 'p2',
      state_id: 's1',
      image_id: 'postgres',
      created_at: 'now',
      access: 'restricted',
      password: 'ab'.repeat(16),
    }),
  );
  t.match(store.listPooled()[1], { access: 'restricted', password: 'ab'.repeat(16) });
  await store.close();
});

t.test('flush() makes what commit() left durable', async (t) => {
  const dir = await tempDir(t);
  const store = await openSqljsStore({ dir });
  const s = stateRow();
  store.commit((w) => w.insertState(s));
  await store.flush();
  const copy = await tempDir(t);
  await copyCatalog(dir, copy);
  const seen = await openSqljsStore({ dir: copy });
  t.ok(seen.getState(s.state_id), 'on disk before close');
  await seen.close();
  await store.close();
});

t.test('commit() is made durable by the next write, or by close', async (t) => {
  const dir = await tempDir(t);
  const store = await openSqljsStore({ dir });
  const a = stateRow();
  const b = stateRow();
  const gen = store.generation;
  store.commit((w) => w.insertState(a));
  t.equal(store.generation, gen + 1, 'a commit is a new generation');
  t.ok(store.getState(a.state_id), 'visible at once');
  await store.write((w) => w.insertState(b));
  const copy = await tempDir(t);
  await copyCatalog(dir, copy);
  const seen = await openSqljsStore({ dir: copy });
  t.ok(seen.getState(a.state_id), 'the next write flushed the commit too');
  await seen.close();
  const c = stateRow();
  store.commit((w) => w.insertState(c));
  await store.close();
  const reopened = await openSqljsStore({ dir });
  t.ok(reopened.getState(c.state_id), 'close flushed the last commit');
  await reopened.close();
});

t.test('a catalog that cannot be saved: a coded error that says so, saved later', async (t) => {
  const dir = await tempDir(t);
  const store = await openSqljsStore({ dir });
  const disk = unsavable(t, dir);
  const a = stateRow();
  await disk.break();
  const failed = await store.write((w) => w.insertState(a)).catch((err) => err);
  t.match(failed, {
    code: 'unavailable',
    message: `cannot save the catalog ${join(dir, STATE_DB)}: a directory is in the way`,
  });
  t.ok(store.getState(a.state_id), 'the change stays in memory');
  await disk.repair();
  const b = stateRow();
  store.commit((w) => w.insertState(b));
  await disk.break();
  await t.rejects(store.flush(), { code: 'unavailable' });
  await disk.repair();
  // The failed flush had captured b: close must not take it for saved.
  await store.close();
  const reopened = await openSqljsStore({ dir });
  t.ok(reopened.getState(a.state_id), 'saved by a later flush');
  t.ok(reopened.getState(b.state_id), 'and by close, after a flush of it failed');
  await reopened.close();
});

t.test('close closes even when its last flush fails', async (t) => {
  const dir = await tempDir(t);
  const store = await openSqljsStore({ dir });
  store.commit((w) => w.insertState(stateRow()));
  await unsavable(t, dir).break();
  await t.rejects(store.close(), { code: 'unavailable' });
  t.throws(() => store.commit(() => undefined), /catalog is closed/);
});

t.test('a journal from another catalog is refused, not replayed into this one', async (t) => {
  const dir = await tempDir(t);
  const ours = await openSqljsStore({ dir });
  await ours.write((w) => w.insertState(stateRow()));
  await ours.write((w) => w.insertState(stateRow()));
  await ours.close(); // its snapshot holds records 1 and 2
  const otherDir = await tempDir(t);
  const other = await openSqljsStore({ dir: otherDir });
  for (let i = 0; i < 4; i++) await other.write((w) => w.insertState(stateRow()));
  const journal = `${STATE_DB}.journal`;
  const foreign = await readFile(join(otherDir, journal)); // what a kill -9 would leave
  await other.close();
  await writeFile(join(dir, journal), foreign);
  await t.rejects(openSqljsStore({ dir }), /belongs to catalog .*refusing to start/);
  t.same(await readFile(join(dir, journal)), foreign, 'the journal is left as it is');
});

t.test('the Store contract, embedded', async (t) => {
  storeContract(t, async (t, now) => {
    const dir = await tempDir(t);
    return { open: () => openSqljsStore({ dir, now }) };
  });
});

import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import initSqlJs from 'sql.js';
import t from 'tap';
import { openSqljsStore, STATE_DB } from '../../../../lib/store/sqljs/index.js';
import { SCHEMA_VERSION } from '../../../../lib/store/sqljs/migrations.js';
import { copyCatalog } from '../../../helpers/catalog-files.js';
import { instanceRow, nameRow, stateRow } from '../../../helpers/rows.js';
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

t.test('rows written, store closed, opened again: rows are there', async (t) => {
  const dir = await tempDir(t);
  const store = await openSqljsStore({ dir });
  const parent = stateRow();
  const child = stateRow({
    parent_state_id: parent.state_id,
    prepare_kind: 'mysql',
    image_id: 'mariadb:10.11',
  });
  const inst = instanceRow(child.state_id);
  await store.write((w) => {
    w.insertState(parent);
    w.insertState(child);
    w.insertInstance(inst);
    w.putName(nameRow('dev', inst));
    w.addPending({
      op_id: 'op1',
      kind: 'state_build',
      image_id: 'postgres:15',
      db_name: 'x',
      target_id: parent.state_id,
      job_id: null,
      created_at: '2026-01-01T00:00:00.000Z',
    });
  });
  await store.close();

  const s = await openSqljsStore({ dir });
  t.same(s.getState(parent.state_id), parent);
  t.same(s.childStateIds(parent.state_id), [child.state_id]);
  t.equal(s.stateEntry(child.state_id)?.refcount, 1);
  t.equal(s.stateEntry(parent.state_id)?.refcount, 0);
  t.same(s.getInstance(inst.instance_id), inst);
  t.equal(s.instanceEntry(inst.instance_id)?.status, 'active');
  t.equal(s.instanceEntry(inst.instance_id)?.name, 'dev');
  t.equal(s.nameEntry('dev')?.status, 'active');
  t.equal(s.listPending().length, 1);
  await s.write((w) => {
    w.deleteInstance(inst.instance_id);
    w.removePending('op1');
    w.touchState(parent.state_id, '2026-02-01T00:00:00.000Z');
  });
  t.equal(s.nameEntry('dev')?.status, 'missing', 'a name whose instance is gone is missing');
  t.equal(s.stateEntry(parent.state_id)?.last_used_at, '2026-02-01T00:00:00.000Z');
  t.same(s.listPending(), []);
  await s.close();
});

t.test('filters and keyset pages', async (t) => {
  const dir = await tempDir(t);
  const store = await openSqljsStore({ dir });
  const states = Array.from({ length: 25 }, (_, i) =>
    stateRow({ prepare_kind: i % 2 ? 'mysql' : 'psql', image_id: i % 5 ? 'postgres:15' : 'pg:16' }),
  );
  await store.write((w) => {
    for (const s of states) w.insertState(s);
  });
  const sorted = states.map((s) => s.state_id).sort();
  const page1 = store.listStates({}, { limit: 10 });
  const page2 = store.listStates({}, { limit: 10, after: page1.at(-1)?.state_id });
  t.same(
    [...page1, ...page2].map((s) => s.state_id),
    sorted.slice(0, 20),
  );
  t.equal(store.listStates({ kind: 'mysql' }, { limit: 100 }).length, 12);
  t.equal(store.listStates({ image: 'pg:16' }, { limit: 100 }).length, 5);
  const target = sorted[7] as string;
  t.same(
    store.listStates({ idPrefix: target.slice(0, 12) }, { limit: 100 }).map((s) => s.state_id),
    [target],
  );
  t.same(store.stateIdsWithPrefix(target.slice(0, 10), 5), [target]);
  await store.close();
});

t.test('expired instances and names', async (t) => {
  const dir = await tempDir(t);
  const now = new Date('2026-06-01T00:00:00.000Z');
  const store = await openSqljsStore({ dir, now: () => now });
  const s = stateRow();
  const old = instanceRow(s.state_id, { expires_at: '2026-05-01T00:00:00.000Z' });
  const plain = instanceRow(s.state_id);
  await store.write((w) => {
    w.insertState(s);
    w.insertInstance(old);
    w.insertInstance(plain);
    w.putName(nameRow('old', old));
  });
  t.equal(store.instanceEntry(old.instance_id)?.status, 'expired');
  t.equal(store.instanceEntry(plain.instance_id)?.status, 'orphaned');
  t.equal(store.nameEntry('old')?.status, 'expired');
  t.equal(store.listInstances({ statePrefix: s.state_id.slice(0, 8) }, { limit: 10 }).length, 2);
  t.equal(store.listNames({ instancePrefix: old.instance_id }, { limit: 10 }).length, 1);
  await store.close();
});

t.test('a failed write rolls back and changes nothing', async (t) => {
  const dir = await tempDir(t);
  const store = await openSqljsStore({ dir });
  const s = stateRow();
  await store.write((w) => w.insertState(s));
  await t.rejects(
    store.write((w) => {
      w.insertState(stateRow());
      w.insertState(s); // duplicate key
    }),
  );
  t.equal(store.listStates({}, { limit: 10 }).length, 1);
  await store.close();
  await t.rejects(
    store.write(() => undefined),
    /closed/,
  );
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

t.test(
  'warm-pool rows: added, listed per state and in all, removed, known as databases',
  async (t) => {
    const dir = await tempDir(t);
    const store = await openSqljsStore({ dir });
    const s = stateRow();
    const row = (db: string, state: string, at: string) => ({
      db_name: db,
      state_id: state,
      image_id: 'postgres',
      created_at: at,
    });
    await store.write((w) => {
      w.insertState(s);
      w.addPooled(row('p2', s.state_id, '2026-01-01T00:00:02.000Z'));
      w.addPooled(row('p1', s.state_id, '2026-01-01T00:00:01.000Z'));
      w.addPooled(row('p3', 'other', '2026-01-01T00:00:03.000Z'));
    });
    t.same(
      store.listPooled(s.state_id).map((r) => r.db_name),
      ['p1', 'p2'],
      'oldest first',
    );
    t.same(
      store.listPooled().map((r) => r.db_name),
      ['p1', 'p2', 'p3'],
    );
    t.same(
      store
        .catalogDatabases()
        .filter((d) => d.kind === 'pool')
        .map((d) => d.db_name)
        .sort(),
      ['p1', 'p2', 'p3'],
    );
    t.equal(store.stateEntry(s.state_id)?.refcount, 0, 'pool copies are not instances');
    await store.write((w) => w.removePooled('p1'));
    await store.close();
    const again = await openSqljsStore({ dir });
    t.same(
      again.listPooled().map((r) => r.db_name),
      ['p2', 'p3'],
      'durable',
    );
    await again.close();
  },
);

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

t.test('an instance whose instance_create record is pending is not shown', async (t) => {
  const dir = await tempDir(t);
  const store = await openSqljsStore({ dir });
  const s = stateRow();
  const inst = instanceRow(s.state_id);
  await store.write((w) => {
    w.insertState(s);
    w.insertInstance(inst);
    w.putName(nameRow('making', inst));
    w.addPending({
      op_id: 'mk',
      kind: 'instance_create',
      image_id: inst.image_id,
      db_name: inst.db_name,
      target_id: inst.instance_id,
      job_id: null,
      created_at: inst.created_at,
    });
  });
  t.ok(store.getInstance(inst.instance_id), 'the engine itself sees the row');
  t.equal(store.instanceEntry(inst.instance_id), undefined);
  t.same(store.listInstances({}, { limit: 10 }), []);
  t.same(store.instancesOfState(s.state_id), []);
  t.same(store.instanceIdsWithPrefix(inst.instance_id.slice(0, 4), 10), []);
  t.equal(store.stateEntry(s.state_id)?.refcount, 0);
  t.equal(store.nameEntry('making'), undefined);
  t.same(store.listNames({}, { limit: 10 }), []);
  store.commit((w) => w.removePending('mk'));
  t.equal(store.instanceEntry(inst.instance_id)?.instance_id, inst.instance_id, 'then shown');
  t.equal(store.listInstances({}, { limit: 10 }).length, 1);
  t.equal(store.stateEntry(s.state_id)?.refcount, 1);
  t.equal(store.nameEntry('making')?.status, 'active');
  await store.close();
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

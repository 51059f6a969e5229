import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import initSqlJs from 'sql.js';
import t from 'tap';
import { openSqljsStore, READY_INSTANCES, STATE_DB } from '../../../../lib/store/sqljs/index.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../../../../lib/store/sqljs/migrations.js';
import { instanceRow, nameRow, stateRow } from '../../../helpers/rows.js';
import { tempDir } from '../../../helpers/tmp.js';

const V7_INDEXES = ['instances_image', 'names_image', 'names_state', 'pending_target'];
const V8_INDEXES = ['instances_db', 'instances_expires', 'instances_sliding', 'states_db'];

t.test('migrations 7 and 8 index an existing version 6 catalog and keep its rows', async (t) => {
  const dir = await tempDir(t);
  const SQL = await initSqlJs();
  const db = new SQL.Database();
  for (const m of MIGRATIONS.slice(0, 6)) db.exec(m);
  db.run("INSERT INTO meta VALUES ('catalog_id', 'abcdef01'), ('schema_version', '6')");
  const s = stateRow();
  const i = instanceRow(s.state_id, { idle_ttl_seconds: 60 });
  db.run(
    `INSERT INTO states (state_id, image_id, resolved_image_id, prepare_kind,
      prepare_args_normalized, db_name, created_at) VALUES (?, ?, 'r', 'psql', '-c x', 'd', 'now')`,
    [s.state_id, s.image_id],
  );
  db.run(
    `INSERT INTO instances (instance_id, image_id, state_id, db_name, dsn, created_at,
      idle_ttl_seconds, last_used_at) VALUES (?, ?, ?, ?, ?, ?, 60, ?)`,
    [i.instance_id, i.image_id, i.state_id, i.db_name, i.dsn, i.created_at, i.created_at],
  );
  db.run("INSERT INTO names VALUES ('dev', ?, ?, ?, 'now', NULL)", [
    i.instance_id,
    i.image_id,
    i.state_id,
  ]);
  await writeFile(join(dir, STATE_DB), db.export());
  db.close();

  const store = await openSqljsStore({ dir });
  t.equal(store.schemaVersion, SCHEMA_VERSION);
  t.equal(SCHEMA_VERSION, 9);
  t.equal(store.catalogId, 'abcdef01');
  t.same(
    store.listInstances({ image: s.image_id }, { limit: 10 }).map((e) => [e.instance_id, e.name]),
    [[i.instance_id, 'dev']],
    'listed by image, with its name',
  );
  t.same(
    store.listNames({ statePrefix: s.state_id.slice(0, 8) }, { limit: 10 }).map((e) => e.name),
    ['dev'],
  );
  t.equal(store.stateEntry(s.state_id)?.refcount, 1);
  await store.close();

  // The indexes are in the file, made by the migration that was flushed.
  const saved = new SQL.Database(
    await import('node:fs/promises').then((fs) => fs.readFile(join(dir, STATE_DB))),
  );
  const names = saved
    .exec(
      "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name",
    )[0]
    ?.values.map((r) => String(r[0]));
  for (const index of [...V7_INDEXES, ...V8_INDEXES])
    t.ok(names?.includes(index), `${index} exists`);
  t.same(
    saved.exec("SELECT name FROM pragma_index_info('instances_state')")[0]?.values.flat(),
    ['state_id', 'instance_id'],
    'instances_state widened with the id',
  );
  t.equal(
    saved.exec("SELECT value FROM meta WHERE key = 'schema_version'")[0]?.values[0]?.[0],
    '9',
  );
  saved.close();
});

t.test(
  'migration 9 gives a version 8 catalog engines and owners; old rows have none',
  async (t) => {
    const dir = await tempDir(t);
    const SQL = await initSqlJs();
    const db = new SQL.Database();
    for (const m of MIGRATIONS.slice(0, 8)) db.exec(m);
    db.run("INSERT INTO meta VALUES ('catalog_id', 'abcdef02'), ('schema_version', '8')");
    db.run(
      `INSERT INTO pending (op_id, kind, image_id, db_name, target_id, job_id, created_at)
      VALUES ('op1', 'state_build', 'postgres', 'b1', 's1', 'j1', 'now')`,
    );
    db.run(
      "INSERT INTO pool (db_name, state_id, image_id, created_at) VALUES ('p1', 's1', 'postgres', 'now')",
    );
    await writeFile(join(dir, STATE_DB), db.export());
    db.close();

    const store = await openSqljsStore({ dir });
    t.teardown(() => store.close());
    t.equal(store.schemaVersion, 9);
    t.equal(store.shared, false);
    t.equal(store.listPending()[0]?.engine_id, null, 'an old record names no owner');
    t.equal(store.listPooled()[0]?.engine_id, null);
    t.same(store.listEngines(), []);
    const row = { engine_id: 'e1', started_at: 'a', lease_expires_at: 'b' };
    await store.write((w) => w.putEngine(row));
    await store.write((w) => w.putEngine({ ...row, lease_expires_at: 'c' }));
    t.same(store.getEngine('e1'), { ...row, lease_expires_at: 'c' }, 'a renewal replaces the row');
    await store.write((w) => w.removeEngine('e1'));
    t.same(store.listEngines(), []);
  },
);

t.test('a fresh catalog has the version 7 indexes too', async (t) => {
  const SQL = await initSqlJs();
  const db = new SQL.Database();
  for (const m of MIGRATIONS) db.exec(m);
  db.exec(READY_INSTANCES);
  // The indexes are usable with rows in place: SQLite answers through them what a scan would.
  const s = stateRow();
  const inst = instanceRow(s.state_id);
  const n = nameRow('a', inst);
  db.run('INSERT INTO names VALUES (?, ?, ?, ?, ?, ?)', [
    n.name,
    n.instance_id,
    n.image_id,
    n.state_id,
    n.created_at,
    n.last_used_at,
  ]);
  const byIndex = db.exec('SELECT name FROM names INDEXED BY names_state WHERE state_id = ?', [
    s.state_id,
  ]);
  t.same(byIndex[0]?.values, [['a']]);
  db.close();
});

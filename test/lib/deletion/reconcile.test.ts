import t from 'tap';
import { testEngine } from '../../helpers/engine.js';
import { ADMIN_URL, catalogDatabases, databaseExists, query } from '../../helpers/postgres.js';
import { prepare } from '../../helpers/prepare.js';
import { hex } from '../../helpers/rows.js';
import { tempDir } from '../../helpers/tmp.js';

t.test(
  'start-up reconciliation: pending resolved, missing forgotten, unknown reported, fenced reopened',
  async (t) => {
    const stateDir = await tempDir(t);
    const first = await testEngine(t, { stateDir });
    const kept = await prepare(first, { psql_args: ['-c', 'create table t(x int)'] });
    const lost = await prepare(first, { psql_args: ['-c', 'create table u(x int)'] });
    const c = first.store.catalogId;
    const lostDb = new URL(lost.result?.dsn as string).pathname.slice(1);
    const keptDb = new URL(kept.result?.dsn as string).pathname.slice(1);
    const now = new Date().toISOString();
    // A half-built state (pending, build database present), a half-made instance, a stranger.
    const buildDb = `sqlrs_${c}_b_${hex(16)}_0`;
    const halfInstance = `sqlrs_${c}_i_${hex(16)}`;
    const stranger = `sqlrs_${c}_i_${hex(16)}`;
    const otherCatalog = `sqlrs_0000${c.slice(4) === '0000' ? '1111' : '0000'}_i_${hex(16)}`;
    for (const db of [buildDb, halfInstance, stranger, otherCatalog])
      await query(ADMIN_URL, `CREATE DATABASE "${db}"`);
    t.teardown(() => query(ADMIN_URL, `DROP DATABASE IF EXISTS "${otherCatalog}"`));
    await first.store.write((w) => {
      w.addPending({
        op_id: 'p1',
        kind: 'state_build',
        image_id: 'postgres',
        db_name: buildDb,
        target_id: hex(32),
        job_id: hex(16),
        created_at: now,
      });
      w.addPending({
        op_id: 'p2',
        kind: 'instance_create',
        image_id: 'postgres',
        db_name: halfInstance,
        target_id: halfInstance.slice(-32),
        job_id: null,
        created_at: now,
      });
    });
    await query(ADMIN_URL, `DROP DATABASE "${lostDb}"`);
    await query(ADMIN_URL, `ALTER DATABASE "${keptDb}" WITH ALLOW_CONNECTIONS false`);
    await first.stop();

    const second = await testEngine(t, { stateDir });
    const dbs = await catalogDatabases(c);
    t.notOk(dbs.includes(buildDb), 'half-built state dropped');
    t.notOk(dbs.includes(halfInstance), 'half-made instance dropped');
    t.ok(dbs.includes(stranger), 'an unknown database is never dropped');
    t.same(second.store.listPending(), []);
    t.equal(
      (await second.get(`/v1/instances/${lost.result?.instance_id}`)).status,
      404,
      'a row whose database is gone is forgotten',
    );
    t.equal((await second.get(`/v1/instances/${kept.result?.instance_id}`)).status, 200);
    t.same(
      await query(kept.result?.dsn as string, 'select 1 as ok'),
      [{ ok: 1 }],
      'a fenced instance is reopened',
    );
    const health = (await second.get('/v1/health')).json();
    t.same(
      health.details,
      { unknown_databases: [stranger] },
      'unknown databases reported in health',
    );
    t.ok(await databaseExists(otherCatalog), "other catalogs' databases left alone");
    const again = await second.deps.deletion.reconcile();
    t.same(again.unknown, [stranger], 'on demand: same answer');
    t.same(again.dropped, []);
  },
);

t.test('an unreachable server is reported and its rows are kept', async (t) => {
  const stateDir = await tempDir(t);
  const e = await testEngine(t, {
    stateDir,
    config: { images: { gone: 'postgres://x@127.0.0.1:1/postgres' } },
  });
  await e.store.write((w) =>
    w.insertState({
      state_id: hex(32),
      parent_state_id: null,
      image_id: 'gone',
      resolved_image_id: 'gone@1/1',
      prepare_kind: 'psql',
      prepare_args_normalized: '',
      db_name: `sqlrs_${e.store.catalogId}_s_${hex(20)}`,
      created_at: new Date().toISOString(),
      size_bytes: null,
      last_used_at: null,
    }),
  );
  const report = await e.deps.deletion.reconcile();
  t.same(report.unreachable, ['gone']);
  t.equal((await e.get('/v1/states')).json().length, 1);
});

t.test('reconciliation reads the catalog databases once, again only after a write', async (t) => {
  const e = await testEngine(t);
  const kept = await prepare(e, { psql_args: ['-c', 'create table t(x int)'] });
  let reads = 0;
  const catalogDatabases = e.store.catalogDatabases;
  (e.store as { catalogDatabases: typeof catalogDatabases }).catalogDatabases = () => {
    reads++;
    return catalogDatabases();
  };
  const quiet = await e.deps.deletion.reconcile();
  t.equal(reads, 1, 'image ids and the rows to compare from one read');
  t.same(quiet.forgotten, []);
  // A write in between (a leftover drop resolved, say) is read again: a row it changed counts.
  const instanceDb = new URL(kept.result?.dsn as string).pathname.slice(1);
  const buildDb = `sqlrs_${e.store.catalogId}_b_${hex(16)}_0`;
  await query(ADMIN_URL, `CREATE DATABASE "${buildDb}"`);
  await e.store.write((w) =>
    w.addPending({
      op_id: 'leftover1',
      kind: 'drop',
      image_id: 'postgres',
      db_name: buildDb,
      target_id: hex(32),
      job_id: null,
      created_at: new Date().toISOString(),
      reason: 'leftover',
    }),
  );
  reads = 0;
  const after = await e.deps.deletion.reconcile();
  // One read before and one after its write: the drop's own check (isLive) is a point
  // lookup, not a read of every database.
  t.equal(reads, 2, 'read again after the drop record was resolved');
  t.same(after.dropped, [buildDb]);
  t.notOk(await databaseExists(buildDb));
  t.ok(await databaseExists(instanceDb), 'the instance is kept');
});

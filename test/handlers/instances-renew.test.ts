import type pg from 'pg';
import t from 'tap';
import { type TestEngine, testClock, testEngine } from '../helpers/engine.js';
import { databaseExists, holdClient, outcome, whenRunning } from '../helpers/postgres.js';
import { prepare } from '../helpers/prepare.js';

// A renew racing a delete of the same instance (docs/lifecycle.md, Renewal): the answer is
// 200 and the instance stays, or 409 and it goes, never 200 and then gone. The delete is held
// deterministically at its fence: an open transaction that changed the instance's
// pg_database row makes the fence's ALTER DATABASE wait until that transaction rolls back.
let n = 0;

async function instance(e: TestEngine, extra: Record<string, unknown> = {}) {
  n++;
  const p = await prepare(e, { psql_args: ['-c', `create table r${n}(x int)`], ...extra });
  if (!p.result) throw new Error(`prepare failed: ${JSON.stringify(p.job.error)}`);
  const id = p.result.instance_id;
  return { id, db: e.store.getInstance(id)?.db_name as string, dsn: p.result.dsn };
}

/** Holds the database's catalog row: its fence waits until `release`. */
async function holdRow(t: Parameters<typeof holdClient>[0], db: string) {
  const c: pg.Client = await holdClient(t);
  await c.query('BEGIN');
  await c.query(`ALTER DATABASE "${db}" CONNECTION LIMIT 7`);
  return { release: () => c.query('ROLLBACK') };
}

const renew = (e: TestEngine, id: string, ttl = 3600) =>
  e.call('POST', `/v1/instances/${id}/renew`, { body: JSON.stringify({ ttl_seconds: ttl }) });

t.test('a renew while the reaper deletes the instance: 200 and it stays', async (t) => {
  const clock = testClock();
  const e = await testEngine(t, { config: { reap_interval: '20ms' }, clock: clock.now });
  const lease = await instance(e, { ttl_seconds: 60 });
  const other = await instance(e);
  const row = await holdRow(t, lease.db);
  clock.advance(120_000);
  // The reaper's delete asked "still due?" and now waits at the fence.
  await whenRunning(`%"${lease.db}" WITH ALLOW_CONNECTIONS false%`);
  const res = await renew(e, lease.id);
  t.equal(res.status, 200, 'the delete has not committed yet: the renew is answered');
  // Deletes run one at a time: this one's answer comes after the reaper's delete ended.
  const after = e.call('DELETE', `/v1/instances/${other.id}?dry_run=true`);
  await row.release();
  t.equal((await after).status, 200);
  t.ok(e.store.getInstance(lease.id), 'the renewed instance stays');
  t.ok(await databaseExists(lease.db));
  t.equal(await outcome(lease.dsn), 'ok', 'its fence was lifted');
  t.ok(Date.parse(e.store.getInstance(lease.id)?.expires_at as string) > clock.now().getTime());
});

t.test('a renew while a DELETE of the instance is under way answers 409', async (t) => {
  const e = await testEngine(t);
  const i = await instance(e, { ttl_seconds: 600 });
  const row = await holdRow(t, i.db);
  const del = e.call('DELETE', `/v1/instances/${i.id}`);
  await whenRunning(`%"${i.db}" WITH ALLOW_CONNECTIONS false%`);
  const res = await renew(e, i.id);
  t.equal(res.status, 409);
  t.equal(res.json().code, 'conflict');
  await row.release();
  t.equal((await del).status, 200);
  t.notOk(e.store.getInstance(i.id), 'the delete went on');
  t.equal((await renew(e, i.id)).status, 404);
});

t.test('a renew of an instance still being made is not found, as GET has it', async (t) => {
  const e = await testEngine(t);
  const i = await instance(e, { ttl_seconds: 600 });
  // The instance_create record of a make still under way (docs/catalog.md).
  await e.store.write((w) =>
    w.addPending({
      op_id: 'renewrace0001',
      kind: 'instance_create',
      image_id: e.store.getInstance(i.id)?.image_id as string,
      db_name: i.db,
      target_id: i.id,
      job_id: null,
      created_at: new Date().toISOString(),
    }),
  );
  const before = e.store.getInstance(i.id)?.expires_at;
  t.equal((await e.get(`/v1/instances/${i.id}`)).status, 404);
  t.equal((await renew(e, i.id)).status, 404);
  t.equal(e.store.getInstance(i.id)?.expires_at, before, 'nothing written');
  await e.store.write((w) => w.removePending('renewrace0001'));
  t.equal((await renew(e, i.id)).status, 200);
});

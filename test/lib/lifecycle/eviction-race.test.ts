import type pg from 'pg';
import t from 'tap';
import type { DeleteOptions } from '../../../lib/deletion/service.js';
import { type TestEngine, testEngine } from '../../helpers/engine.js';
import { ADMIN_URL, holdClient, query, uniqueName, whenRunning } from '../../helpers/postgres.js';
import { prepare } from '../../helpers/prepare.js';
import { until } from '../../helpers/until.js';

// The cache budget against a job that comes while an eviction's delete waits its turn
// (docs/lifecycle.md, Cache budget and eviction). Every wait is held deterministically by an
// open transaction that changed a pg_database row: an ALTER DATABASE of that row waits until
// the transaction rolls back.

const script = (i: number) => ['-c', `create table t${i}(x int); insert into t${i} values (${i})`];

async function holdRow(t: Parameters<typeof holdClient>[0], db: string) {
  const c: pg.Client = await holdClient(t);
  await c.query('BEGIN');
  await c.query(`ALTER DATABASE "${db}" CONNECTION LIMIT 7`);
  return { release: () => c.query('ROLLBACK') };
}

t.test('a job that needs a state comes while its eviction waits: the state stays', async (t) => {
  const e = await testEngine(t, {
    config: { cache_max_bytes: 1, cache_min_age: '0', warm_pool: { per_state: 0 } },
  });
  const gate = uniqueName('sqlrs_test_gate');
  await query(ADMIN_URL, `CREATE DATABASE "${gate}"`);
  t.teardown(() => query(ADMIN_URL, `DROP DATABASE IF EXISTS "${gate}" WITH (FORCE)`));
  const busy = await prepare(e, { psql_args: script(2) });
  const a = await prepare(e, { psql_args: script(1) });
  const stateA = a.result?.state_id as string;
  t.equal((await e.call('DELETE', `/v1/instances/${a.result?.instance_id}`)).status, 200);
  await (e.deps.cache as NonNullable<TestEngine['deps']['cache']>).idle();
  t.ok(e.store.getState(stateA), 'held by its instance until now');

  // Deletes run one at a time: a DELETE held at its fence keeps the eviction's delete waiting.
  const busyDb = e.store.getInstance(busy.result?.instance_id as string)?.db_name as string;
  const queue = await holdRow(t, busyDb);
  const del = e.call('DELETE', `/v1/instances/${busy.result?.instance_id}`);
  await whenRunning(`%"${busyDb}" WITH ALLOW_CONNECTIONS false%`);
  const asked: string[] = [];
  const deletion = e.deps.deletion;
  const real = deletion.deleteState.bind(deletion);
  deletion.deleteState = (ref: string, opts: DeleteOptions) => {
    asked.push(ref);
    return real(ref, opts);
  };
  const evicted = e.call('POST', '/v1/cache/evict');
  await until(() => asked.includes(stateA), 'the eviction asked to delete state a');

  // A job on state a (cached), whose next step waits on the gate until the eviction is over.
  const step = await holdRow(t, gate);
  const res = await e.call('POST', '/v1/prepare-jobs', {
    body: JSON.stringify({
      prepare_kind: 'psql',
      psql_args: [...script(1), '-c', `alter database "${gate}" connection limit 8`],
    }),
  });
  t.equal(res.status, 202);
  const jobId = res.json().job_id as string;
  await whenRunning(`%"${gate}" connection limit 8%`);

  await queue.release();
  t.equal((await del).status, 200);
  const report = (await evicted).json() as { evicted: Array<{ id: string }> };
  t.notOk(
    report.evicted.some((x) => x.id === stateA),
    'the state a job came to need is not evicted',
  );
  t.ok(e.store.getState(stateA), 'state a stays');
  await step.release();
  await e.get(`/v1/prepare-jobs/${jobId}/events`);
  const job = (await e.get(`/v1/prepare-jobs/${jobId}`)).json();
  t.equal(job.status, 'succeeded', JSON.stringify(job.error ?? null));
  t.equal(job.tasks?.find((x: { type: string }) => x.type === 'state_execute')?.cached, true);
});

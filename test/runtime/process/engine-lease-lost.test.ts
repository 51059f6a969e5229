import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { catalogDatabases, query } from '../../helpers/postgres.js';
import { hex } from '../../helpers/rows.js';
import { sharedCatalog, sharedEngineProcess } from '../../helpers/shared-catalog.js';
import { until } from '../../helpers/until.js';

// An engine frozen (SIGSTOP) longer than its lease while it builds: another engine takes its
// work over; thawed, it finds its lease lost, ends its jobs, registers again and goes on
// serving (docs/scaling.md, Failover).
t.test('an engine that comes back after its lease lapsed', async (t) => {
  const cat = await sharedCatalog(t);
  // Long enough that a loaded machine's stalls never make A look dead before it is frozen.
  const lease = { engine_lease: '4s' };
  const a = await sharedEngineProcess(t, cat, 'env', lease);
  const b = await sharedEngineProcess(t, cat, 'env', lease);
  const catalogId = await cat.catalogId();
  const table = `t_${hex(6)}`;
  const engines = async () =>
    (await query<{ engine_id: string }>(cat.url, 'SELECT engine_id FROM sqlrs_catalog.engines'))
      .map((r) => r.engine_id)
      .sort();
  t.same(await engines(), [a.info.instanceId, b.info.instanceId].sort(), 'both hold a lease');

  // A builds a state whose script runs for a while.
  const started = await a.call('POST', '/v1/prepare-jobs', {
    prepare_kind: 'psql',
    psql_args: ['-c', `create table ${table}(x int); select pg_sleep(20)`],
  });
  t.equal(started.status, 202, started.text);
  const jobId = started.json().job_id as string;
  const builds = async () => (await catalogDatabases(catalogId)).filter((d) => d.includes('_b_'));
  await until(async () => (await builds()).length === 1, 'A building');

  a.child.kill('SIGSTOP');
  t.teardown(() => {
    a.child.kill('SIGCONT');
  });
  await until(
    async () => (await engines()).join() === b.info.instanceId,
    "B's pass removed A's lapsed lease",
  );
  t.same(await builds(), [], "B dropped A's build database");
  a.child.kill('SIGCONT');

  await until(async () => {
    const job = await a.call('GET', `/v1/prepare-jobs/${jobId}`);
    return job.status === 200 && job.json().status === 'failed';
  }, "A's job ended");
  await until(async () => (await engines()).includes(a.info.instanceId), 'A registered again');
  const log = await readFile(join(a.dir, 'logs', 'engine.log'), 'utf8');
  t.match(log, /engine_lease_lost/, 'A logged the loss');
  t.equal(a.child.exitCode, null, 'A still runs');

  // A serves new requests, and what it makes is kept.
  const made = await a.call('POST', '/v1/prepare-jobs?wait=120', {
    prepare_kind: 'psql',
    psql_args: ['-c', `create table ${table}(x int)`],
  });
  t.equal(made.status, 201, made.text);
  t.equal(made.json().status, 'succeeded', made.text);
  const instanceId = made.json().result.instance_id as string;
  t.equal((await b.call('GET', `/v1/instances/${instanceId}`)).status, 200, 'B sees it');

  // Once passes ran on both, the catalog and the server agree, and A is alive to B.
  await until(async () => (await engines()).length === 2, 'both leases held');
  // Instance ids reserved ahead (records without a job) are the engines' own, held on purpose.
  const pending = await query(
    cat.url,
    "SELECT op_id FROM sqlrs_catalog.pending WHERE job_id IS NOT NULL OR kind <> 'instance_create'",
  );
  t.same(pending, [], 'no unfinished work recorded');
  const recorded = (
    await query<{ db_name: string }>(
      cat.url,
      `SELECT db_name FROM sqlrs_catalog.states
        UNION SELECT db_name FROM sqlrs_catalog.instances
        UNION SELECT db_name FROM sqlrs_catalog.pool`,
    )
  )
    .map((r) => r.db_name)
    .sort();
  t.same(recorded, (await catalogDatabases(catalogId)).sort(), 'catalog == server');
  t.equal((await a.call('GET', `/v1/instances/${instanceId}`)).status, 200, 'A still has it');
});

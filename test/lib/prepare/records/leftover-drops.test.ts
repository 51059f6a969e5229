import t, { type Test } from 'tap';
import { type TestEngine, testEngine } from '../../../helpers/engine.js';
import { clusterToolsMissing, type OwnCluster, ownCluster } from '../../../helpers/own-cluster.js';
import { query } from '../../../helpers/postgres.js';
import { contextOf } from '../../../helpers/prepare.js';

/**
 * A server outage during a build leaves drop records for the build database and the state's
 * name (lib/prepare/records/leftovers.ts). They must not outlive their meaning: a later successful
 * build of the same state keeps its state at the next start, and the failed build's database
 * goes once the server answers again, without a restart (docs/deletion.md).
 */

const GATE = 'sqlrs_gate';
// Waits while the gate database exists: the first run is caught by the outage, the rebuild
// (gate gone) ends at once. The same text, so the same state.
const SCRIPT = `create table kept(x int);
DO $$ BEGIN
  WHILE EXISTS (SELECT 1 FROM pg_database WHERE datname = '${GATE}') LOOP
    PERFORM pg_sleep(0.05);
  END LOOP;
END $$;`;

const missing = await clusterToolsMissing();
if (missing)
  t.pass(`skipped: needs a PostgreSQL cluster of the test's own: ${missing}`, { skip: missing });
else {
  const cluster = await ownCluster(t);
  const config = { images: { own: cluster.url }, default_image: 'own' };

  t.test('a stale drop record does not destroy a rebuilt state at restart', async (t) => {
    const e = await testEngine(t, { config });
    // Only reconciliation at restart resolves the records: the case of an engine that stopped
    // before its retry came.
    (contextOf(e) as { leftoverDrops?: { close(): void } }).leftoverDrops?.close();
    await buildInOutage(t, e, cluster);
    await query(cluster.url, `DROP DATABASE ${GATE}`);
    const ok = await prepareOn(e, { psql_args: ['-c', SCRIPT] });
    t.equal(ok.status, 'succeeded', 'the rebuild succeeds');
    const stateId = ok.result.state_id as string;
    const instanceId = ok.result.instance_id as string;
    await e.stop('restart');
    const again = await testEngine(t, { stateDir: e.stateDir });
    t.ok(again.store.getState(stateId), 'the state survives the restart');
    const inst = again.store.getInstance(instanceId);
    t.equal(inst?.state_id, stateId, 'its instance survives, on a state the catalog has');
    const dbs = await databases(cluster, again);
    t.ok(dbs.includes(contextOf(again).names.state(stateId)), 'the state database is kept');
    t.ok(dbs.includes(inst?.db_name as string), 'the instance database is kept');
    t.same(
      dbs.filter((d) => d.includes('_b_')),
      [],
      'no build database left',
    );
    t.same(
      again.store.listPending().filter((p) => p.kind === 'drop'),
      [],
      'no drop record left',
    );
  });

  t.test('a failed build database goes once the server answers, without a restart', async (t) => {
    await query(cluster.url, `CREATE DATABASE ${GATE}`);
    const e = await testEngine(t, { config });
    const failed = await buildInOutage(t, e, cluster);
    await query(cluster.url, `DROP DATABASE ${GATE}`);
    // Bounded: the engine retries with a back-off of at most half a minute.
    let left = [failed.buildDb];
    for (let i = 0; i < 240 && left.length > 0; i++) {
      await new Promise((r) => setTimeout(r, 250));
      left = (await databases(cluster, e)).filter((d) => d === failed.buildDb);
    }
    t.same(left, [], 'the build database is dropped while the engine runs');
    t.same(
      e.store.listPending().filter((p) => p.kind === 'drop'),
      [],
      'its drop records are cleared',
    );
  });
}

interface Outcome {
  status: string;
  // biome-ignore lint/suspicious/noExplicitAny: the result as the API gives it
  result: any;
  error?: { code: string };
}

async function prepareOn(e: TestEngine, body: Record<string, unknown>): Promise<Outcome> {
  const res = await e.call('POST', '/v1/prepare-jobs', {
    body: JSON.stringify({ prepare_kind: 'psql', image_id: 'own', ...body }),
  });
  if (res.status !== 202 && res.status !== 200) throw new Error(`${res.status}: ${res.text}`);
  const jobId = res.json().job_id as string;
  for (;;) {
    const job = (await e.get(`/v1/prepare-jobs/${jobId}`)).json();
    if (job.status === 'succeeded' || job.status === 'failed') return job;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts the build, stops the server while its step runs, restarts it; the job failed. */
async function buildInOutage(t: Test, e: TestEngine, cluster: OwnCluster) {
  await query(cluster.url, `CREATE DATABASE ${GATE}`).catch(() => undefined);
  const running = prepareOn(e, { psql_args: ['-c', SCRIPT] });
  await stepRunning(cluster);
  await cluster.stop();
  const failed = await running;
  t.equal(failed.status, 'failed', 'the build fails in the outage');
  const drops = e.store.listPending().filter((p) => p.kind === 'drop');
  const buildDb = drops.find((p) => p.db_name.includes('_b_'))?.db_name as string;
  t.ok(buildDb, 'a drop is recorded for the build database');
  const stateDrop = drops.find((p) => p.db_name.includes('_s_'));
  t.ok(stateDrop, 'and for the state name');
  await cluster.start();
  return { buildDb, stateId: stateDrop?.target_id as string };
}

async function stepRunning(cluster: OwnCluster): Promise<void> {
  for (;;) {
    const rows = await query(
      cluster.url,
      "SELECT 1 FROM pg_stat_activity WHERE query LIKE '%WHILE EXISTS%' AND pid <> pg_backend_pid()",
    );
    if (rows.length > 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function databases(cluster: OwnCluster, e: TestEngine): Promise<string[]> {
  const rows = await query<{ datname: string }>(
    cluster.url,
    'SELECT datname FROM pg_database WHERE starts_with(datname, $1)',
    [contextOf(e).names.prefix],
  );
  return rows.map((r) => r.datname);
}

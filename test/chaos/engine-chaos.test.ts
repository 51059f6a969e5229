import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { engineLogPath } from '../../lib/engine-files/state-dir.js';
import { reopenEngine, spawnLoopbackEngine } from '../helpers/engine-process.js';
import { clusterToolsMissing, ownCluster } from '../helpers/own-cluster.js';
import { catalogDatabases, query } from '../helpers/postgres.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * Chaos, bounded and on loopback: clients (half polling the job, half following its events)
 * prepare a mix of identical and distinct scripts on a PostgreSQL cluster of the test's own,
 * which is killed with SIGKILL and restarted twice, while the engine binary is killed with
 * SIGKILL and restarted once. Every 202 must come to an outcome the client learns (a job lost
 * with the killed engine: the restarted engine does not know it); every DSN handed out must
 * connect; afterwards the catalog and the server agree, with no build database and no
 * instance that no client learned about, but for those of jobs lost with the killed engine. Sized for a 2-core machine shared with other work:
 * CLIENTS clients for about RUN_MS.
 */

const CLIENTS = 8;
const RUN_MS = 30_000;

interface Api {
  call(method: string, path: string, body?: unknown): Promise<{ status: number; text: string }>;
  generation: number;
  /** The chaos itself failed (the engine did not come back): clients stop asking. */
  broken: boolean;
}

const missing = await clusterToolsMissing();
if (missing)
  t.pass(`skipped: needs a PostgreSQL cluster of the test's own: ${missing}`, { skip: missing });
else t.test('chaos: server and engine killed under polling and following clients', chaos);

async function chaos(t: Test) {
  const cluster = await ownCluster(t);
  const stateDir = await tempDir(t);
  const json = join(stateDir, 'engine.json');
  await writeFile(
    join(stateDir, 'config.json'),
    JSON.stringify({
      images: { own: cluster.url },
      default_image: 'own',
      warm_pool: { per_state: 0 },
    }),
  );
  let engine = await spawn(t, json);
  const api: Api = { call: engine.call, generation: 0, broken: false };
  const seen = new Outcomes();
  const stopAt = Date.now() + RUN_MS;
  const client = async (n: number) => {
    for (let i = 0; Date.now() < stopAt && !api.broken; i++) {
      const body = {
        prepare_kind: 'psql',
        image_id: 'own',
        psql_args: ['-c', script(n, i), '-c', 'select pg_sleep(0.2)'],
      };
      const gen = api.generation;
      const res = await api.call('POST', '/v1/prepare-jobs', body).catch(() => undefined);
      if (res?.status !== 202) {
        await pause(200); // the engine or its queue is away: try again
        continue;
      }
      const jobId = JSON.parse(res.text).job_id as string;
      const end = n % 2 === 0 ? await poll(api, jobId, gen) : await follow(api, jobId, gen);
      // A server away fails jobs at once: do not spin.
      if (seen.add(n, jobId, end) === 'failed') await pause(200);
    }
  };
  const chaosDone = (async () => {
    await pause(RUN_MS * 0.2);
    await cluster.kill();
    await pause(1500);
    await cluster.start();
    await pause(RUN_MS * 0.2);
    engine.child.kill('SIGKILL');
    await engine.exit;
    engine = await spawn(t, json).catch(async (err) => {
      throw new Error(`${err}; the engine log ends:\n${await logTail(stateDir)}`);
    });
    api.call = engine.call;
    api.generation++;
    await pause(RUN_MS * 0.2);
    await cluster.kill();
    await pause(1500);
    await cluster.start();
  })().catch((err) => {
    api.broken = true;
    t.fail(`the chaos itself failed: ${err}`);
  });
  await Promise.all([...Array.from({ length: CLIENTS }, (_, n) => client(n)), chaosDone]);
  const { outcomes, why, dsns, instances } = seen;
  t.same(outcomes.unlearned, [], 'every 202 came to an outcome its client learned');
  t.comment(`failures: ${JSON.stringify(why)}`);
  t.ok(
    outcomes.succeeded > 0,
    `${JSON.stringify({ ...outcomes, unlearned: outcomes.unlearned.length })}`,
  );
  engine.child.kill('SIGTERM');
  await engine.exit;

  const final = await reopenEngine(stateDir, json);
  t.teardown(() => final.stop('test end'));
  const bad: string[] = [];
  for (const dsn of dsns) await query(dsn, 'SELECT 1').catch(() => bad.push(dsn));
  t.same(bad, [], `every DSN handed out connects (${dsns.length})`);
  const onServer = await catalogDatabases(final.store.catalogId, cluster.url);
  const inCatalog = final.store
    .catalogDatabases()
    .map((d) => d.db_name)
    .sort();
  t.same(onServer, inCatalog, 'catalog == server');
  t.same(
    onServer.filter((d) => d.includes('_b_')),
    [],
    'no build database left',
  );
  t.same(final.deps.deletion.unknownDatabases(), [], 'no unknown database');
  const unknownInstances = final.store
    .catalogDatabases()
    .filter((d) => d.kind === 'instance' && !instances.has(d.id))
    .map((d) => d.id);
  // A job lost with the killed engine may have made its instance just before the kill: jobs
  // live in the engine's memory (docs/prepare.md, "Jobs"), so its client cannot learn it. At
  // most one such instance per lost job; any other instance is one a client should have known.
  t.ok(
    unknownInstances.length <= outcomes.lost,
    `instances no client learned about: ${unknownInstances.length}, jobs lost with the killed engine: ${outcomes.lost}`,
  );
}

/** What the clients learned. */
class Outcomes {
  readonly outcomes = { succeeded: 0, failed: 0, lost: 0, unlearned: [] as string[] };
  readonly why: Record<string, number> = {};
  readonly dsns: string[] = [];
  readonly instances = new Set<string>();

  add(n: number, jobId: string, end: End): string {
    if (end.kind === 'lost') this.outcomes.lost++;
    else if (end.kind === 'unknown') {
      const script = n < CLIENTS / 2 ? 'identical' : 'distinct';
      const how = n % 2 === 0 ? 'polling' : 'following';
      this.outcomes.unlearned.push(`client ${n} (${script} script, ${how}): ${jobId}`);
    } else if (end.status === 'succeeded') {
      this.outcomes.succeeded++;
      this.dsns.push(end.result.dsn);
      this.instances.add(end.result.instance_id);
    } else {
      this.outcomes.failed++;
      const message = String(end.error?.message).replace(/[0-9a-f]{8,}|\d{4,}/g, '#');
      const key = `${end.error?.code}: ${message.slice(0, 70)}`;
      this.why[key] = (this.why[key] ?? 0) + 1;
      return 'failed';
    }
    return end.kind;
  }
}

/** Identical scripts for half the clients, distinct ones (per client and round) for the rest. */
const script = (n: number, i: number) =>
  n < CLIENTS / 2
    ? 'create table same(x int); insert into same values (1)'
    : `create table t(x int); insert into t values (${n * 100_000 + i})`;

type End =
  | {
      kind: 'done';
      status: string;
      result: { dsn: string; instance_id: string };
      error?: { code: string; message: string };
    }
  | { kind: 'lost' }
  | { kind: 'unknown' };

/** Polls the job until it ends; a job the restarted engine does not know was lost with the old one. */
async function poll(api: Api, jobId: string, gen: number): Promise<End> {
  while (!api.broken) {
    const res = await api.call('GET', `/v1/prepare-jobs/${jobId}`).catch(() => undefined);
    if (res?.status === 200) {
      const job = JSON.parse(res.text);
      if (job.status === 'succeeded' || job.status === 'failed')
        return { kind: 'done', status: job.status, result: job.result, error: job.error };
    } else if (res?.status === 404)
      return api.generation > gen ? { kind: 'lost' } : { kind: 'unknown' };
    await pause(100);
  }
  return { kind: 'unknown' };
}

/** Follows the job's events to their end; then reads its status as a polling client would. */
async function follow(api: Api, jobId: string, gen: number): Promise<End> {
  while (!api.broken) {
    const res = await api.call('GET', `/v1/prepare-jobs/${jobId}/events`).catch(() => undefined);
    if (res?.status === 404) return api.generation > gen ? { kind: 'lost' } : { kind: 'unknown' };
    if (res?.status === 200) {
      const events = parseLines(res.text); // a stream cut by the kill may end mid-line
      const last = events.at(-1);
      if (last?.type === 'result')
        return { kind: 'done', status: 'succeeded', result: last.result };
      if (
        last?.type === 'error' ||
        events.some((e) => e.type === 'status' && e.status === 'failed')
      )
        return { kind: 'done', status: 'failed', result: last?.result, error: last?.error };
    }
    await pause(100); // the stream was cut (the engine died): ask again
  }
  return { kind: 'unknown' };
}

// A start after a kill waits for the killed engine's statements to end (up to 30 s,
// docs/deletion.md, Reconciliation) and for the restarted cluster's recovery: on a loaded
// 2-core machine that has taken more than 30 s.
const spawn = (t: Test, json: string) => spawnLoopbackEngine(t, json, 120_000);

async function logTail(stateDir: string): Promise<string> {
  const log = await readFile(engineLogPath(stateDir), 'utf8').catch(() => '(no log)');
  return log.split('\n').slice(-15).join('\n');
}

function parseLines(text: string) {
  const events = [];
  for (const line of text.split('\n').filter(Boolean)) {
    try {
      events.push(JSON.parse(line));
    } catch {
      break;
    }
  }
  return events;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

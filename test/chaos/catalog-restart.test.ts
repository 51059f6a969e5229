import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { createEngineCore, type EngineCore } from '../../runtime/compose/engine-core.js';
import { dropCatalogDatabases } from '../helpers/catalog-cleanup.js';
import { clusterToolsMissing, type OwnCluster, ownCluster } from '../helpers/own-cluster.js';
import { catalogDatabases, query } from '../helpers/postgres.js';
import { hex } from '../helpers/rows.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * The shared catalog's server restarting under load (SPEC §13): two engine cores share a
 * catalog on a PostgreSQL cluster of the test's own; the states they build stay on the
 * machine's server. Each round starts prepares (new states whose build sleeps, and hits of a
 * state built before) and deletes of instances, stops the catalog's cluster (immediate
 * shutdown) once the builds are under way, asks again while it is down, and starts it once
 * its jobs have ended (the last round: once every answer is out). Every answer is a success
 * or 503 `unavailable` (a job ended by the outage fails with `unavailable`); after each
 * restart both engines serve again; at the end the catalog and the server agree. Rounds and polls are bounded by counts, never by time.
 */

const ROUNDS = 3;
const NEW_STATES = 3;
const HITS = 2;

// biome-ignore lint/suspicious/noExplicitAny: tests index into replies freely
type Json = any;

interface Engine {
  core: EngineCore;
  stateDir: string;
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }>;
}

const missing = await clusterToolsMissing();
if (missing)
  t.pass(`skipped: needs a PostgreSQL cluster of the test's own: ${missing}`, { skip: missing });
else t.test('the catalog server restarting under load: success or 503, then agreement', run);

async function run(t: Test) {
  const cluster = await ownCluster(t);
  const engines = [await engine(t, cluster), await engine(t, cluster)] as Engine[];
  const catalogId = engines[0]?.core.store.catalogId as string;
  t.teardown(() => dropCatalogDatabases(catalogId));
  const at = (i: number) => engines[i % engines.length] as Engine;

  const hitScript = `create table hit_${hex(6)}(x int)`;
  const first = await prepare(at(0), hitScript);
  t.equal(first.body.status, 'succeeded', 'the state the hits use is built');
  const outcomes = new Map<string, number>();
  const judge = (what: string, outcome: string) => {
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    if (!ACCEPTED.includes(outcome)) t.fail(`${what}: ${outcome}`);
  };
  const instances: string[] = [first.body.result.instance_id];

  for (let round = 0; round < ROUNDS; round++) {
    const slow = Array.from(
      { length: NEW_STATES },
      () => `create table t_${hex(6)}(x int); select pg_sleep(1.5)`,
    );
    const asks = [...slow, ...Array.from({ length: HITS }, () => hitScript)];
    const toDelete = instances.splice(0, 3);
    const work = Promise.all([
      ...asks.map(async (sql, i) => {
        const res = await prepare(at(i), sql);
        judge(`prepare ${i}`, prepareOutcome(res));
        if (res.body?.result) instances.push(res.body.result.instance_id);
      }),
      ...toDelete.map(async (id, i) =>
        judge(`delete ${id}`, plainOutcome(await at(i).call('DELETE', `/v1/instances/${id}`))),
      ),
    ]);
    // The outage begins once a build runs (its database made), so its row's write meets it.
    const building = await until(async () => (await buildDbs(catalogId)).length > 0);
    t.ok(building, `round ${round}: a build was under way when the catalog server stopped`);
    await cluster.stop();
    for (const [i, e] of engines.entries()) {
      judge(`engine ${i} lists during the outage`, plainOutcome(await e.call('GET', '/v1/states')));
      const res = await prepare(e, hitScript);
      judge(`engine ${i} prepares during the outage`, prepareOutcome(res));
      if (res.body?.result) instances.push(res.body.result.instance_id);
    }
    // The catalog comes back once every job has ended (each met the outage in a write), while
    // answers still wait for their job's end to be written to the job board (up to 15 s each
    // while the catalog is away); the last round keeps it down until every answer is out: an
    // outage near a lease long, which no engine may take for the others' death.
    if (round < ROUNDS - 1) {
      const ended = await until(async () =>
        engines.every((e) => e.core.deps.jobs.activeJobIds().size === 0),
      );
      t.ok(ended, `round ${round}: every job ended while the catalog server was down`);
      await cluster.start();
      await work.then(() => undefined);
    } else {
      await work.then(() => undefined);
      await cluster.start();
    }
    for (const [i, e] of engines.entries()) {
      const res = await prepare(e, `create table after_${hex(6)}(x int)`);
      const why = res.body.error ? ` (${res.body.error.code}: ${res.body.error.message})` : '';
      t.equal(res.body.status, 'succeeded', `round ${round}: engine ${i} builds again${why}`);
      if (res.body.result) instances.push(res.body.result.instance_id);
    }
  }
  t.comment(`outcomes: ${JSON.stringify(Object.fromEntries(outcomes))}`);
  t.ok((outcomes.get('201 succeeded') ?? 0) > 0, 'some prepares succeeded');

  // What failed work left is dropped in the background and queued changes are flushed. The
  // engines keep running: they need no restart to agree with the server.
  for (const e of engines) await e.core.store.flush();
  let last: string[] = [];
  await until(async () => {
    last = await mismatches(cluster.url, catalogId, 'running');
    return last.length === 0;
  });
  t.same(last, [], 'the catalog and the server agree (records of reserved names aside)');
  if (last.length > 0) await tellWhy(t, engines, last);
  // A clean stop releases the reserved names; a record of failed work would stay.
  for (const e of engines) await e.core.close();
  t.same(await mismatches(cluster.url, catalogId, 'stopped'), [], 'no pending record left');
}

/**
 * What the engines' logs say of the databases that disagree, and of takeovers (the lines a
 * race's sequence is read from): the temp dirs go with the test.
 */
async function tellWhy(t: Test, engines: Engine[], mismatched: string[]) {
  const names = mismatched.map((m) => m.split(' ').find((w) => w.startsWith('sqlrs_')) ?? m);
  const ids = names.map((n) => n.split('_')[3]?.slice(0, 32) ?? n);
  const telling = /dead_engines|engine_lease_lost|reconciled|drop_failed|leftover/;
  for (const [i, e] of engines.entries()) {
    const log = await readFile(join(e.stateDir, 'logs', 'engine.log'), 'utf8').catch(() => '');
    for (const line of log.split('\n'))
      if (telling.test(line) || ids.some((id) => line.includes(id)))
        t.comment(`engine ${i}: ${line.slice(0, 600)}`);
  }
}

/** A success, or the catalog being unavailable; never a 500, never a job still running. */
const ACCEPTED = [
  '201 succeeded',
  '201 failed unavailable',
  '200',
  '204',
  '503 unavailable',
  '404 not_found',
];

function prepareOutcome(res: { status: number; body: Json }): string {
  if (res.status === 201) {
    const code = res.body.status === 'failed' ? ` ${res.body.error?.code}` : '';
    return `201 ${res.body.status}${code}${code && code !== ' unavailable' ? `: ${res.body.error?.message}` : ''}`;
  }
  return plainOutcome(res);
}

function plainOutcome(res: { status: number; body: Json }): string {
  if (res.status < 300) return String(res.status);
  return `${res.status} ${res.body?.code}${res.status === 500 ? `: ${res.body?.message}` : ''}`;
}

const prepare = (e: Engine, sql: string) =>
  e.call('POST', '/v1/prepare-jobs?wait=300', { prepare_kind: 'psql', psql_args: ['-c', sql] });

async function engine(t: Test, cluster: OwnCluster): Promise<Engine> {
  const stateDir = await tempDir(t);
  const core = await createEngineCore({
    stateDir,
    authToken: 'token',
    config: { catalog: cluster.url, warm_pool: { per_state: 0 } },
  });
  t.teardown(() => core.close());
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await core.dispatch({
      method,
      url: path,
      headers: { authorization: 'Bearer token', 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.body !== undefined || (!res.stream && !res.chunks))
      return { status: res.status, body: res.body };
    let text = '';
    const decode = (c: string | Uint8Array) =>
      typeof c === 'string' ? c : Buffer.from(c).toString();
    if (res.stream) for await (const chunk of res.stream) text += decode(chunk);
    else if (res.chunks) text = res.chunks.map(decode).join('');
    return { status: res.status, body: JSON.parse(text) };
  };
  return { core, stateDir, call };
}

const buildDbs = async (catalogId: string) =>
  (await catalogDatabases(catalogId)).filter((d) => d.includes('_b_'));

/** Polls `check` up to 2400 times, 50 ms apart; whether it came true. */
async function until(check: () => Promise<boolean>): Promise<boolean> {
  for (let i = 0; i < 2400; i++) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/**
 * What the catalog says against what the server holds, once no work is under way: every
 * state, instance and warm copy has its database, every database of the catalog's namespace
 * has its row, and no pending record is left (a failed job's records, a drop still to retry)
 * but, while the engines run, their reserved instance names (an instance_create record with
 * no row and no database: reservations.ts).
 */
async function mismatches(
  catalogUrl: string,
  catalogId: string,
  engines: 'running' | 'stopped',
): Promise<string[]> {
  const s = 'sqlrs_catalog';
  const rows = await query<{ db_name: string; kind: string }>(
    catalogUrl,
    `SELECT db_name, 'state' AS kind FROM ${s}.states
     UNION ALL SELECT db_name, 'instance' FROM ${s}.instances
     UNION ALL SELECT db_name, 'pool' FROM ${s}.pool
     UNION ALL SELECT p.db_name, CASE WHEN p.kind = 'instance_create' AND NOT EXISTS (
         SELECT 1 FROM ${s}.instances i WHERE i.instance_id = p.target_id)
       THEN 'reserved' ELSE 'pending ' || p.kind END FROM ${s}.pending p`,
  );
  const onServer = new Set(await catalogDatabases(catalogId));
  const named = new Set(rows.map((r) => r.db_name));
  const out: string[] = [];
  for (const r of rows) {
    if (r.kind === 'reserved' && (engines === 'stopped' || onServer.has(r.db_name)))
      out.push(`reserved name ${r.db_name} left`);
    else if (r.kind.startsWith('pending')) out.push(`${r.kind} record of ${r.db_name} left`);
    else if (r.kind !== 'reserved' && !onServer.has(r.db_name))
      out.push(`${r.kind} row, no ${r.db_name}`);
  }
  for (const db of onServer) if (!named.has(db)) out.push(`database ${db}, no row`);
  return out;
}

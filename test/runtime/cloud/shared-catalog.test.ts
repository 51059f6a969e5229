import t from 'tap';
import type { FetchHandler } from '../../../runtime/cloud/fetch.js';
import { ADMIN_URL, catalogDatabases, query, terminateBackends } from '../../helpers/postgres.js';
import { hex } from '../../helpers/rows.js';
import { sharedCatalog, sharedFetchHandler } from '../../helpers/shared-catalog.js';

// Four function instances (Fetch handlers, each with a state dir of its own) on one shared
// catalog, as a platform running the function at concurrency 4 would hold them
// (docs/cloud.md). The subtests share them.
const TOKEN = 'f'.repeat(64);
const auth = { authorization: `Bearer ${TOKEN}` };
const cat = await sharedCatalog(t);
const handlers: FetchHandler[] = [];
for (let i = 0; i < 4; i++) handlers.push(await sharedFetchHandler(t, cat, TOKEN));
const at = (i: number) => handlers[i % handlers.length] as FetchHandler;

// biome-ignore lint/suspicious/noExplicitAny: tests index into replies freely
type Json = any;

async function call(h: FetchHandler, method: string, path: string, body?: unknown) {
  const res = await h(
    new Request(`http://sqlrs.invalid${path}`, {
      method,
      headers: { ...auth, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
  );
  const text = await res.text();
  return { status: res.status, json: (): Json => JSON.parse(text) };
}

const prepare = (h: FetchHandler, sql: string) =>
  call(h, 'POST', '/v1/prepare-jobs?wait=60', { prepare_kind: 'psql', psql_args: ['-c', sql] });

/** Whether the job's step ran its script (false: it found the state built, by anyone). */
async function built(h: FetchHandler, jobId: string): Promise<boolean> {
  const tasks = (await call(h, 'GET', `/v1/tasks?job=${jobId}`)).json() as Json[];
  return tasks.find((task) => task.task_id === 'execute-0')?.cached !== true;
}

const listedInstances = async (h: FetchHandler) =>
  ((await call(h, 'GET', '/v1/instances')).json() as Json[]).map((i) => i.instance_id).sort();

t.test('12 prepares over 4 function instances: each state built once, nothing lost', async (t) => {
  // Four new states, asked for 5, 4, 2 and 1 times, the requests dealt round the instances.
  const scripts = Array.from({ length: 4 }, () => {
    const table = `t_${hex(6)}`;
    return `create table ${table}(x int); insert into ${table} values (1)`;
  });
  const asks = [0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3].map((s) => scripts[s] as string);
  const replies = await Promise.all(
    asks.map(async (sql, i) => ({ h: at(i), sql, res: await prepare(at(i), sql) })),
  );
  const builds = new Map<string, number>();
  const stateOf = new Map<string, string>();
  const instances: string[] = [];
  for (const { h, sql, res } of replies) {
    t.equal(res.status, 201, 'the job ended within the wait');
    const job = res.json();
    t.equal(job.status, 'succeeded', job.error?.message ?? 'it succeeded');
    instances.push(job.result.instance_id);
    t.equal(stateOf.get(sql) ?? job.result.state_id, job.result.state_id, 'one state a script');
    stateOf.set(sql, job.result.state_id);
    if (await built(h, job.job_id)) builds.set(sql, (builds.get(sql) ?? 0) + 1);
  }
  t.same(
    scripts.map((s) => builds.get(s) ?? 0),
    [1, 1, 1, 1],
    'each state was built by exactly one job',
  );
  t.equal(new Set(instances).size, asks.length, 'every instance id distinct');
  const expected = instances.sort();
  const stateIds = [...stateOf.values()].sort();
  for (const [i, h] of handlers.entries()) {
    t.same(await listedInstances(h), expected, `instance ${i} lists every instance`);
    const states = (await call(h, 'GET', '/v1/states')).json() as Json[];
    t.same(states.map((s) => s.state_id).sort(), stateIds, `instance ${i} lists every state`);
  }
  const dbs = await catalogDatabases(await cat.catalogId());
  t.equal(dbs.filter((d) => d.includes('_s_')).length, scripts.length, 'a database a state');
  t.equal(dbs.filter((d) => d.includes('_i_')).length, asks.length, 'a database an instance');
});

/** The catalog store's sessions (pool and listener) ended by the server, as a failover would. */
async function dropCatalogSessions(): Promise<number> {
  const rows = await query<{ pid: number }>(
    ADMIN_URL,
    'SELECT pid FROM pg_stat_activity WHERE datname = $1',
    [cat.db],
  );
  await terminateBackends(rows.map((r) => r.pid));
  return rows.length;
}

/**
 * What the catalog says against what the server holds. Every state and shown instance has its
 * database; every database of the catalog's namespace is named by a row or a pending record
 * (work under way, or a drop waiting for its retry).
 */
async function mismatches(): Promise<string[]> {
  const s = 'sqlrs_catalog';
  const rows = await query<{ db_name: string; kind: string }>(
    cat.url,
    `SELECT db_name, 'state' AS kind FROM ${s}.states
     UNION ALL SELECT i.db_name, 'instance' FROM ${s}.instances i WHERE NOT EXISTS (
       SELECT 1 FROM ${s}.pending p WHERE p.kind = 'instance_create' AND p.target_id = i.instance_id)
     UNION ALL SELECT db_name, 'pool' FROM ${s}.pool
     UNION ALL SELECT db_name, 'pending' FROM ${s}.pending`,
  );
  const onServer = new Set(await catalogDatabases(await cat.catalogId()));
  const named = new Set(rows.map((r) => r.db_name));
  const out: string[] = [];
  for (const r of rows)
    if (r.kind !== 'pending' && !onServer.has(r.db_name))
      out.push(`${r.kind} row, no ${r.db_name}`);
  for (const db of onServer) if (!named.has(db)) out.push(`database ${db}, no row`);
  return out;
}

t.test('the catalog server dropping connections under load: 503 or success', async (t) => {
  const [a, b] = [at(0), at(1)];
  const scripts = Array.from({ length: 3 }, () => `create table t_${hex(6)}(x int)`);
  let pending = true;
  const answers = Promise.all(
    [...scripts, ...scripts].map((sql, i) => prepare(i % 2 ? b : a, sql)),
  ).finally(() => {
    pending = false;
  });
  let ended = 0;
  for (let round = 0; pending && round < 900; round++) {
    ended += await dropCatalogSessions();
    await new Promise((r) => setTimeout(r, 100));
  }
  t.ok(ended > 0, 'catalog sessions were ended while the prepares ran');
  t.comment(`catalog sessions ended: ${ended}`);
  const outcomes = new Map<string, number>();
  for (const res of await answers) {
    const body = res.json();
    const outcome =
      res.status === 201
        ? `201 ${body.status} ${body.error?.code ?? ''}`
        : `${res.status} ${body.code}`;
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    t.ok(
      ['201 succeeded ', '201 failed unavailable', '503 unavailable'].includes(outcome),
      `a success or unavailable: ${outcome} ${body.error?.message ?? body.message ?? ''}`,
    );
  }
  t.comment(`outcomes: ${JSON.stringify(Object.fromEntries(outcomes))}`);
  for (const [i, h] of [a, b].entries()) {
    const res = await prepare(h, `create table t_${hex(6)}(x int)`);
    t.equal(res.status, 201, `engine ${i} serves again`);
    t.equal(res.json().status, 'succeeded', res.json().error?.message ?? 'and its job succeeds');
  }
  // Jobs that failed finish their clean-up in the background; queued catalog changes follow.
  let last: string[] = [];
  const settled = async () => {
    last = await mismatches();
    return last.length === 0;
  };
  for (let i = 0; i < 400 && !(await settled()); i++) await new Promise((r) => setTimeout(r, 50));
  t.same(last, [], 'the catalog and the server agree');
});

import t from 'tap';
import type { FetchHandler } from '../../../runtime/cloud/fetch.js';
import { catalogDatabases } from '../../helpers/postgres.js';
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

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import type { EngineCall } from '../../helpers/engine-process.js';
import { spawnEngine } from '../../helpers/engine-process.js';
import { catalogDatabases, holdPsqlSession, query, sessionsOn } from '../../helpers/postgres.js';
import { hex } from '../../helpers/rows.js';
import { sharedCatalog, sharedEngineProcess } from '../../helpers/shared-catalog.js';
import { tempDir } from '../../helpers/tmp.js';
import { until } from '../../helpers/until.js';

// Three engine processes, each with its own state dir, on one shared catalog
// (docs/scaling.md): one named in config.json, two by SQLRS_CATALOG. The subtests share them.
const cat = await sharedCatalog(t);
const engines = await Promise.all([
  sharedEngineProcess(t, cat, 'config'),
  sharedEngineProcess(t, cat, 'env'),
  sharedEngineProcess(t, cat, 'env'),
]);
const CLIENTS = 8;
const table = `t_${hex(6)}`;
const args = ['-c', `create table ${table}(x int); insert into ${table} values (1)`];

const prepare = (call: EngineCall, args: string[]) =>
  call('POST', '/v1/prepare-jobs?wait=300', { prepare_kind: 'psql', psql_args: args });

/** Whether the job's step ran its script (false: it found the state built, by anyone). */
async function built(call: EngineCall, jobId: string): Promise<boolean> {
  const tasks = (await call('GET', `/v1/tasks?job=${jobId}`)).json() as {
    task_id: string;
    cached?: boolean;
  }[];
  const step = tasks.find((task) => task.task_id === 'execute-0');
  if (!step) throw new Error(`job ${jobId} has no execute-0 task`);
  return step.cached !== true;
}

const listed = async (call: EngineCall, stateId: string) =>
  ((await call('GET', `/v1/instances?state=${stateId}`)).json() as { instance_id: string }[])
    .map((i) => i.instance_id)
    .sort();

/** The instances the first subtest made, for the delete subtests. */
const made: { instanceId: string; dsn: string; stateId: string }[] = [];

t.test('8 clients on 3 engines prepare one new state: built once, 8 instances', async (t) => {
  const replies = await Promise.all(
    Array.from({ length: CLIENTS }, (_, i) => {
      const engine = engines[i % engines.length];
      if (!engine) throw new Error('no engine');
      return prepare(engine.call, args).then((res) => ({ engine, res }));
    }),
  );
  let builds = 0;
  for (const { engine, res } of replies) {
    t.equal(res.status, 201, 'the job ended within the wait');
    const job = res.json();
    t.equal(job.status, 'succeeded', job.error?.message ?? 'it succeeded');
    made.push({
      instanceId: job.result.instance_id,
      dsn: job.result.dsn,
      stateId: job.result.state_id,
    });
    if (await built(engine.call, job.job_id)) builds++;
  }
  t.equal(builds, 1, 'exactly one job ran the script; the others found its state');
  const stateIds = new Set(made.map((m) => m.stateId));
  t.equal(stateIds.size, 1, 'one state');
  const [stateId] = [...stateIds] as [string];
  const ids = made.map((m) => m.instanceId).sort();
  t.equal(new Set(ids).size, CLIENTS, 'every instance its own');
  for (const m of made) {
    const rows = await query<{ n: string }>(m.dsn, `SELECT count(*) AS n FROM ${table}`);
    t.equal(rows[0]?.n, '1', 'the instance holds what the script made, once');
  }
  for (const [i, engine] of engines.entries()) {
    t.same(await listed(engine.call, stateId), ids, `engine ${i} lists all ${CLIENTS} instances`);
    const state = (await engine.call('GET', `/v1/states/${stateId}`)).json();
    t.equal(state.refcount, CLIENTS, `engine ${i} counts them in the state's refcount`);
  }
  const dbs = await catalogDatabases(await cat.catalogId());
  t.equal(dbs.filter((d) => d.includes('_s_')).length, 1, 'one state database on the server');
  t.equal(dbs.filter((d) => d.includes('_i_')).length, CLIENTS, 'one database per instance');
  t.equal(dbs.filter((d) => d.includes('_b_')).length, 0, 'no build database left');
});

t.test('an instance one engine answered with is seen at once by the others', async (t) => {
  for (const [i, engine] of engines.entries()) {
    const res = await prepare(engine.call, args);
    t.equal(res.status, 201);
    const id = res.json().result.instance_id;
    for (const [j, other] of engines.entries()) {
      if (j === i) continue;
      const got = await other.call('GET', `/v1/instances/${id}`);
      t.equal(got.status, 200, `made through engine ${i}, found through engine ${j}`);
    }
    const del = await engine.call('DELETE', `/v1/instances/${id}`);
    t.equal(del.status, 200, 'and deleted');
  }
});

t.test('a delete through one engine is a 404 through the others', async (t) => {
  const [a, b, c] = engines as [(typeof engines)[0], (typeof engines)[0], (typeof engines)[0]];
  const victim = made.pop();
  if (!victim) throw new Error('the first subtest made no instance');
  const del = await a.call('DELETE', `/v1/instances/${victim.instanceId}`);
  t.equal(del.status, 200, del.text);
  t.equal(del.json().outcome, 'deleted');
  for (const other of [b, c]) {
    t.equal((await other.call('GET', `/v1/instances/${victim.instanceId}`)).status, 404);
    t.equal((await other.call('DELETE', `/v1/instances/${victim.instanceId}`)).status, 404);
    t.notOk(
      (await listed(other.call, victim.stateId)).includes(victim.instanceId),
      'not listed either',
    );
  }
  t.equal((await a.call('GET', `/v1/instances/${victim.instanceId}`)).status, 404);
});

t.test('a session on an instance blocks its delete through every engine', async (t) => {
  const held = made.pop();
  if (!held) throw new Error('the first subtest made no instance');
  const db = new URL(held.dsn).pathname.slice(1);
  const psql = await holdPsqlSession(t, held.dsn);
  for (const [i, engine] of engines.entries()) {
    const res = await engine.call('DELETE', `/v1/instances/${held.instanceId}`);
    t.equal(res.status, 409, `engine ${i}: ${res.text}`);
    t.match(res.json(), {
      outcome: 'blocked',
      root: { kind: 'instance', id: held.instanceId, blocked: 'active_connections' },
    });
    t.equal(
      (await engine.call('GET', `/v1/instances/${held.instanceId}`)).status,
      200,
      `engine ${i}: a blocked delete leaves the instance`,
    );
  }
  t.equal(
    (await query<{ n: string }>(held.dsn, 'SELECT 1 AS n'))[0]?.n,
    1,
    'and it still takes connections',
  );
  psql.stdin?.end();
  await until(async () => (await sessionsOn(db)) === 0, 'the session closed');
  const [last, ...others] = [...engines].reverse() as [(typeof engines)[0], ...typeof engines];
  const res = await last.call('DELETE', `/v1/instances/${held.instanceId}`);
  t.equal(res.status, 200, res.text);
  t.equal(res.json().outcome, 'deleted');
  for (const other of others)
    t.equal((await other.call('GET', `/v1/instances/${held.instanceId}`)).status, 404);
});

t.test('a catalog server that does not answer: no start, host:port named', async (t) => {
  const dir = await tempDir(t);
  const secret = `pw${hex(8)}`;
  const e = spawnEngine(
    t,
    ['--listen', '127.0.0.1:0', '--write-engine-json', join(dir, 'engine.json')],
    { SQLRS_CATALOG: `postgres://someone:${secret}@127.0.0.1:1/nowhere` },
  );
  const exit = await e.exit;
  t.equal(exit.code, 1, 'exits non-zero');
  t.match(e.stderr(), /sqlrs-engine: .*catalog server at 127\.0\.0\.1:1\/nowhere/);
  t.notMatch(e.stderr(), secret, 'the password is not printed');
  t.notMatch(e.stderr(), 'someone:', 'nor the userinfo');
  const log = await readFile(join(dir, 'logs', 'engine.log'), 'utf8');
  t.match(log, /engine_start_failed.*127\.0\.0\.1:1\/nowhere/);
  t.notMatch(log, secret, 'the log has no password either');
});

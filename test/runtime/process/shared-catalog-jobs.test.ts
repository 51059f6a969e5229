import t from 'tap';
import { openPostgresStore } from '../../../lib/store/postgres/index.js';
import type { EngineCall } from '../../helpers/engine-process.js';
import { catalogDatabases } from '../../helpers/postgres.js';
import { hex } from '../../helpers/rows.js';
import { sharedCatalog, sharedEngineProcess } from '../../helpers/shared-catalog.js';
import { until } from '../../helpers/until.js';

// Jobs on a shared catalog (docs/scaling.md, "Jobs"): engine processes A and B on one catalog,
// leases short enough that a killed engine is found dead soon, long enough that a loaded
// machine's stalls never make a live one look dead. A job accepted by A is read,
// followed, cancelled and deleted through B.
const LEASE = { engine_lease: '5s' };
const cat = await sharedCatalog(t);
const a = await sharedEngineProcess(t, cat, 'config', LEASE);
const b = await sharedEngineProcess(t, cat, 'env', LEASE);

const submit = async (call: EngineCall, sql: string) => {
  const res = await call('POST', '/v1/prepare-jobs', {
    prepare_kind: 'psql',
    psql_args: ['-c', sql],
  });
  if (res.status !== 202) throw new Error(`submit: ${res.status} ${res.text}`);
  return res.json().job_id as string;
};
const events = async (call: EngineCall, jobId: string) =>
  (await call('GET', `/v1/prepare-jobs/${jobId}/events`)).text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
const statusOf = async (call: EngineCall, jobId: string) =>
  (await call('GET', `/v1/prepare-jobs/${jobId}`)).json();
/** Running its step (the build database exists on the server) as B sees it. */
const stepRunning = async (jobId: string) => {
  const tasks = (await b.call('GET', `/v1/tasks?job=${jobId}`)).json() as {
    task_id: string;
    status: string;
  }[];
  return tasks.some((x) => x.task_id === 'execute-0' && x.status === 'running');
};
const buildDatabases = async () =>
  (await catalogDatabases(await cat.catalogId())).filter((d) => d.includes('_b_'));

t.test(
  'a job accepted by A is read through B: status, events to the end, list, tasks',
  async (t) => {
    const table = `t_${hex(6)}`;
    const id = await submit(a.call, `select pg_sleep(0.5); create table ${table}(x int)`);
    const early = await b.call('GET', `/v1/prepare-jobs/${id}`);
    t.equal(early.status, 200, 'B finds it as soon as A answered the 202');
    const throughB = await events(b.call, id);
    t.equal(throughB.at(-1)?.type, 'result', 'B followed it to its end');
    const status = await statusOf(b.call, id);
    t.equal(status.status, 'succeeded', 'succeeded, through B');
    t.same(status, await statusOf(a.call, id), 'B gives the status A gives');
    const throughA = await events(a.call, id);
    t.same(throughB, throughA, 'the same events, in the same order');
    const listed = (await b.call('GET', `/v1/prepare-jobs?job=${id}`)).json();
    t.same(
      listed.map((j: { job_id: string }) => j.job_id),
      [id],
      'listed by B',
    );
    t.ok(
      (await b.call('GET', '/v1/prepare-jobs'))
        .json()
        .some((j: { job_id: string }) => j.job_id === id),
      "in B's whole list",
    );
    const tasks = (await b.call('GET', `/v1/tasks?job=${id}`)).json();
    t.same(tasks, (await a.call('GET', `/v1/tasks?job=${id}`)).json(), 'the same tasks');
    t.ok(tasks.length >= 3, 'plan, step, instance');
    const del = await b.call('DELETE', `/v1/prepare-jobs/${id}`);
    t.equal(del.status, 200, `deleted through B: ${del.text}`);
    t.equal((await b.call('GET', `/v1/prepare-jobs/${id}`)).status, 404, 'gone for B');
    await until(
      async () => (await a.call('GET', `/v1/prepare-jobs/${id}`)).status === 404,
      'and A',
    );
  },
);

t.test("a cancel through B cancels A's job; its build database is dropped", async (t) => {
  const id = await submit(a.call, 'select pg_sleep(600)');
  await until(() => stepRunning(id), 'the step runs');
  const blocked = await b.call('DELETE', `/v1/prepare-jobs/${id}`);
  t.equal(blocked.status, 409, 'a running job is not deleted unforced');
  const res = await b.call('POST', `/v1/prepare-jobs/${id}/cancel`);
  t.equal(res.status, 202, 'cancel requested through B');
  const end = (await events(b.call, id)).at(-1);
  t.equal(end?.type, 'error');
  t.equal(end?.error?.code, 'cancelled', 'it ended cancelled');
  t.equal((await statusOf(a.call, id)).error?.code, 'cancelled', 'as A says too');
  t.equal((await b.call('POST', `/v1/prepare-jobs/${id}/cancel`)).status, 200, 'then: done');
  t.same(await buildDatabases(), [], 'no build database left');
});

t.test(
  'kill -9 of the engine running a build: B fails it engine_lost, drops its build',
  async (t) => {
    const id = await submit(a.call, 'select pg_sleep(600)');
    await until(() => stepRunning(id), 'the step runs');
    // The step's `running` event can reach B before its clone has made the build database.
    await until(async () => (await buildDatabases()).length === 1, 'its build database is made');
    a.child.kill('SIGKILL');
    await a.exit;
    await until(async () => (await statusOf(b.call, id)).status === 'failed', 'B failed the job');
    const status = await statusOf(b.call, id);
    t.equal(status.error?.code, 'engine_lost', status.error?.message);
    t.ok(status.finished_at, 'finished');
    const end = (await events(b.call, id)).at(-1);
    t.equal(end?.type, 'error', 'its events end with the error');
    t.equal(end?.error?.code, 'engine_lost');
    await until(async () => (await buildDatabases()).length === 0, 'its build database dropped');
    const store = await openPostgresStore({ url: cat.url });
    try {
      await until(async () => {
        await store.refresh();
        return store.listPending().length === 0;
      }, 'no pending record left');
      const inCatalog = store
        .catalogDatabases()
        .map((d) => d.db_name)
        .sort();
      t.same(await catalogDatabases(store.catalogId), inCatalog, 'catalog and server agree');
    } finally {
      await store.close();
    }
  },
);

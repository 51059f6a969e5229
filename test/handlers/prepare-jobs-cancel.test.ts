import t from 'tap';
import { testEngine } from '../helpers/engine.js';
import { backendsRunning, catalogDatabases, uniqueName, whenRunning } from '../helpers/postgres.js';
import { followEvents, prepare, unfinishedRecords } from '../helpers/prepare.js';
import { conforms } from '../helpers/schema.js';

// Named for this run: other tests on the same server run sleeps of their own.
const SLEEP = `select pg_sleep(40) as ${uniqueName('cancelled')}`;

async function startSlowJob(e: Awaited<ReturnType<typeof testEngine>>) {
  const res = await e.call('POST', '/v1/prepare-jobs', {
    body: JSON.stringify({ prepare_kind: 'psql', psql_args: ['-c', SLEEP] }),
  });
  const jobId = res.json().job_id as string;
  await whenRunning(SLEEP); // psql runs its query on the build database
  return jobId;
}

t.test('cancel during pg_sleep(40) ends the job, leaving no build database or query', async (t) => {
  const e = await testEngine(t);
  const jobId = await startSlowJob(e);
  const res = await e.call('POST', `/v1/prepare-jobs/${jobId}/cancel`);
  t.equal(res.status, 202);
  conforms(t, 'job-status.json', res.json());
  const events = await followEvents(e, jobId);
  t.match(events.at(-1), { type: 'error', error: { code: 'cancelled' } });
  const step = events.filter((ev) => ev.type === 'task' && ev.task_id === 'execute-0');
  t.equal(step[0]?.status, 'running', 'the step ran');
  t.notOk(
    step.some((ev) => ev.status === 'succeeded'),
    'and was stopped, not waited for to the end of its sleep',
  );
  const job = (await e.get(`/v1/prepare-jobs/${jobId}`)).json();
  t.match(job, { status: 'failed', error: { code: 'cancelled' } });
  t.same(await catalogDatabases(e.store.catalogId), [], 'no build database');
  t.same(await backendsRunning(SLEEP), [], 'no running query');
  t.same(unfinishedRecords(e), []);
  const again = await e.call('POST', `/v1/prepare-jobs/${jobId}/cancel`);
  t.equal(again.status, 200, 'cancelling a finished job answers 200');
  t.equal((await e.call('POST', `/v1/prepare-jobs/${'0'.repeat(32)}/cancel`)).status, 404);
});

t.test('a queued job can be cancelled before it starts', async (t) => {
  const e = await testEngine(t, { config: { max_concurrent_jobs: 1 } });
  const first = await startSlowJob(e);
  const queued = await e.call('POST', '/v1/prepare-jobs', {
    body: JSON.stringify({ prepare_kind: 'psql', psql_args: ['-c', 'select 1'] }),
  });
  const id = queued.json().job_id;
  t.equal((await e.call('POST', `/v1/prepare-jobs/${id}/cancel`)).status, 202);
  t.match((await followEvents(e, id)).at(-1), { type: 'error', error: { code: 'cancelled' } });
  await e.call('POST', `/v1/prepare-jobs/${first}/cancel`);
  await followEvents(e, first);
  const ok = await prepare(e, { psql_args: ['-c', 'select 1'] });
  t.equal(ok.job.status, 'succeeded', 'the engine goes on');
});

t.test(
  'a cancel accepted (202) while a cache hit clones ends it cancelled, copy dropped',
  async (t) => {
    const e = await testEngine(t);
    // Big enough that the cancel comes while the server is still cloning.
    const args = ['-c', 'create table t as select generate_series(1, 1500000) x'];
    await prepare(e, { psql_args: args });
    for (const delay of [0, 40]) {
      const hit = await e.call('POST', '/v1/prepare-jobs', {
        body: JSON.stringify({ prepare_kind: 'psql', psql_args: args }),
      });
      const id = hit.json().job_id;
      await new Promise((r) => setTimeout(r, delay));
      const cancel = await e.call('POST', `/v1/prepare-jobs/${id}/cancel`);
      const last = (await followEvents(e, id)).at(-1);
      if (cancel.status === 202) t.match(last, { type: 'error', error: { code: 'cancelled' } });
      else t.match(last, { type: 'result' }, 'a 200 means it had finished');
    }
    const instances = (await e.get('/v1/instances')).json();
    t.equal(instances.length, 1, 'only the first prepare’s instance');
    t.equal((await catalogDatabases(e.store.catalogId)).length, 2, 'its state and its instance');
    t.same(unfinishedRecords(e), []);
  },
);

import t from 'tap';
import { testEngine } from '../helpers/engine.js';
import { gate } from '../helpers/gate.js';
import { followEvents } from '../helpers/prepare.js';
import { conforms } from '../helpers/schema.js';

const psql = (...psql_args: string[]) => JSON.stringify({ prepare_kind: 'psql', psql_args });

t.test('wait: a job that ends within it is answered 201 with its status', async (t) => {
  const e = await testEngine(t);
  const res = await e.call('POST', '/v1/prepare-jobs?wait=120', {
    body: psql('-c', 'create table t(x int)'),
  });
  t.equal(res.status, 201, res.text);
  const job = res.json();
  conforms(t, 'job-status.json', job);
  t.equal(job.status, 'succeeded');
  t.match(job.result, { image_id: 'postgres', state_id: /^[0-9a-f]{64}$/ });
  t.equal(res.headers.location, `/v1/prepare-jobs/${job.job_id}`);
  const get = await e.get(`/v1/prepare-jobs/${job.job_id}`);
  t.same(job, get.json(), 'the same JobStatus as GET of the job');
});

t.test('wait: a failed job is answered 201 with its error', async (t) => {
  const e = await testEngine(t);
  const res = await e.call('POST', '/v1/prepare-jobs?wait=120', {
    body: psql('-c', 'select 1/0'),
  });
  t.equal(res.status, 201, res.text);
  const job = res.json();
  conforms(t, 'job-status.json', job);
  t.equal(job.status, 'failed');
  t.match(job.error, { message: /psql failed/, details: /division by zero/ });
  t.notOk(job.result);
});

t.test('wait: a job longer than the wait is answered 202, and it still finishes', async (t) => {
  const e = await testEngine(t);
  const g = gate(t);
  const res = await e.call('POST', '/v1/prepare-jobs?wait=1', { body: psql('-c', g.sql) });
  t.equal(res.status, 202, res.text);
  conforms(t, 'prepare-accepted.json', res.json());
  const jobId = res.json().job_id;
  t.not((await e.get(`/v1/prepare-jobs/${jobId}`)).json().status, 'succeeded');
  await g.open();
  const events = await followEvents(e, jobId);
  t.equal(events.at(-1)?.type, 'result');
  t.equal((await e.get(`/v1/prepare-jobs/${jobId}`)).json().status, 'succeeded');
});

t.test('wait=0 is the usual 202; a value outside 0..900 is a 400 naming wait', async (t) => {
  const e = await testEngine(t);
  const zero = await e.call('POST', '/v1/prepare-jobs?wait=0', {
    body: JSON.stringify({ prepare_kind: 'psql', psql_args: ['-c', 'select 1'], plan_only: true }),
  });
  t.equal(zero.status, 202);
  for (const bad of ['901', '-1', '1.5', 'abc', '', '1e3', '0900', ' 5']) {
    const res = await e.call('POST', `/v1/prepare-jobs?wait=${encodeURIComponent(bad)}`, {
      body: psql('-c', 'select 1'),
    });
    t.equal(res.status, 400, `wait=${bad}`);
    t.match(res.json(), { code: 'invalid_argument', message: /"wait"/ }, `wait=${bad}`);
  }
  t.same((await e.get('/v1/prepare-jobs')).json().length, 1, 'no job was made by a bad wait');
});

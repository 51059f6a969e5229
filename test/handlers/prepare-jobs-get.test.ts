import t from 'tap';
import { testEngine } from '../helpers/engine.js';
import { prepare } from '../helpers/prepare.js';
import { conforms } from '../helpers/schema.js';

t.test('GET /v1/prepare-jobs/{jobId}: status with plan and result; 404', async (t) => {
  const e = await testEngine(t);
  const { jobId } = await prepare(e, { psql_args: ['-c', 'select 1'] });
  const res = await e.get(`/v1/prepare-jobs/${jobId}`);
  t.equal(res.status, 200);
  conforms(t, 'job-status.json', res.json());
  for (const task of res.json().tasks) conforms(t, 'task-entry.json', task, task.task_id);
  t.match(res.json(), {
    job_id: jobId,
    status: 'succeeded',
    result: { instance_id: /^[0-9a-f]{32}$/ },
  });
  t.equal((await e.get(`/v1/prepare-jobs/${'f'.repeat(32)}`)).status, 404);
  t.equal((await e.get('/v1/prepare-jobs/not-a-job')).status, 404);
});

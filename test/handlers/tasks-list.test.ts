import t from 'tap';
import { testEngine } from '../helpers/engine.js';
import { prepare } from '../helpers/prepare.js';
import { conforms } from '../helpers/schema.js';

t.test('GET /v1/tasks: tasks of all jobs or one job', async (t) => {
  const e = await testEngine(t);
  const a = await prepare(e, { psql_args: ['-c', 'select 1', '-c', 'select 2'] });
  await prepare(e, { psql_args: ['-c', 'select 3'], plan_only: true });
  const all = await e.get('/v1/tasks');
  conforms(t, 'task-list.json', all.json());
  const mine = (await e.get(`/v1/tasks?job=${a.jobId}`)).json();
  t.same(
    mine.map((x: { task_id: string }) => x.task_id),
    ['plan', 'resolve-image', 'execute-0', 'execute-1', 'prepare-instance'],
  );
  t.ok(
    mine.every(
      (x: { job_id: string; status: string }) => x.job_id === a.jobId && x.status === 'succeeded',
    ),
  );
  t.ok(all.json().length > mine.length);
  t.equal((await e.get('/v1/tasks?job=zz')).status, 400);
});

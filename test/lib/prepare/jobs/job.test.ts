import t from 'tap';
import { HEARTBEAT_MS } from '../../../../lib/prepare/jobs/job.js';
import { newJob as jobInMemory } from '../../../helpers/job.js';

const newJob = () => jobInMemory('2026-01-01T00:00:00.000Z');

t.test('status, tasks and events', async (t) => {
  const job = newJob();
  t.same(job.entry(), {
    job_id: 'a'.repeat(32),
    status: 'queued',
    prepare_kind: 'psql',
    image_id: 'postgres',
    plan_only: false,
    created_at: '2026-01-01T00:00:00.000Z',
  });
  job.setStatus('running');
  job.setPlan([
    { task_id: 'plan', type: 'plan' },
    { task_id: 'execute-0', type: 'state_execute' },
    { task_id: 'prepare-instance', type: 'prepare_instance' },
  ]);
  job.setTask('plan', 'succeeded');
  job.setTask('execute-0', 'running');
  job.setTask('nope', 'running');
  job.fail({ code: 'invalid_argument', message: 'boom' });
  t.same(
    job.tasks.map((x) => x.status),
    ['succeeded', 'failed', 'skipped'],
  );
  t.ok(job.finished);
  t.ok(job.ended);
  t.match(job.statusView(), {
    status: 'failed',
    error: { message: 'boom' },
    started_at: /Z$/,
    finished_at: /Z$/,
  });
  t.same(
    job.events.map((e) => e.type),
    ['status', 'task', 'task', 'task', 'status', 'error'],
  );
});

t.test('heartbeats repeat the running task while it is quiet, and stop at the end', async (t) => {
  const job = newJob();
  job.setStatus('running');
  job.setPlan([{ task_id: 'execute-0', type: 'state_execute' }]);
  job.setTask('execute-0', 'running');
  await new Promise((r) => setTimeout(r, HEARTBEAT_MS * 2 + 200));
  const beats = job.events.filter((e) => e.type === 'task' && e.status === 'running').length;
  t.ok(beats >= 3, `${beats} running events`);
  job.setTask('execute-0', 'succeeded');
  job.succeed();
  const count = job.events.length;
  await new Promise((r) => setTimeout(r, HEARTBEAT_MS * 2));
  t.equal(job.events.length, count, 'quiet after the end');
  t.equal(job.events.at(-1)?.type, 'result');
});

t.test('nextEvent wakes on an event or times out', async (t) => {
  const job = newJob();
  setTimeout(() => job.log('plan', 'hi'), 20);
  // A wait far longer than the test's own timeout: returning at all means the event woke it.
  await job.nextEvent(3_600_000);
  t.match(job.events.at(-1), { type: 'log', message: 'hi' });
  await job.nextEvent(10);
  t.pass('timed out');
});

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

t.test(
  'untilEnded: true at the terminal event, false when the wait or the client ends',
  async (t) => {
    const job = newJob();
    const order: string[] = [];
    const waited = job.untilEnded(600_000).then((ended) => order.push(`waited: ${ended}`));
    job.setStatus('running');
    job.log('execute-0', 'a line');
    await new Promise((r) => setImmediate(r));
    t.same(order, [], 'events before the end do not end the wait');
    job.succeed();
    order.push('succeeded');
    await waited;
    t.same(order, ['succeeded', 'waited: true']);
    t.equal(await job.untilEnded(600_000), true, 'an ended job answers at once');

    const running = newJob();
    running.setStatus('running');
    t.equal(await running.untilEnded(0), false, 'no wait');
    t.equal(await running.untilEnded(1), false, 'the wait ran out');
    const client = new AbortController();
    const left = running.untilEnded(600_000, client.signal);
    client.abort();
    t.equal(await left, false, 'the client left');
    t.equal(await running.untilEnded(600_000, client.signal), false, 'already gone');
    running.fail({ code: 'cancelled', message: 'job cancelled' });
    t.equal(await running.untilEnded(1), true, 'a failed job has ended too');
  },
);

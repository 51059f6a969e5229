import t from 'tap';
import { request } from 'undici';
import type { JobEvent } from '../../lib/schema-types.js';
import { testEngine } from '../helpers/engine.js';
import { followEvents, prepare } from '../helpers/prepare.js';
import { conforms } from '../helpers/schema.js';

t.test('events come in order: status, tasks, logs, status succeeded, result', async (t) => {
  const e = await testEngine(t);
  const { events } = await prepare(e, {
    psql_args: ['-c', "select 'hello-from-psql' as greeting"],
  });
  for (const ev of events) conforms(t, 'job-event.json', ev, `${ev.type} event`);
  const kinds = events.map((ev) => (ev.type === 'status' ? `status:${ev.status}` : ev.type));
  t.same(kinds.slice(0, 2), ['status:queued', 'status:running']);
  t.same(kinds.slice(-2), ['status:succeeded', 'result']);
  // A step slower than 500 ms says its running event again (a heartbeat), possibly after a
  // later task's event on a busy machine: count each task's status once, where it came first.
  const taskEvents = events
    .filter((ev) => ev.type === 'task')
    .map((ev) => `${ev.task_id}:${ev.status}`)
    .filter((ev, i, all) => all.indexOf(ev) === i);
  t.same(taskEvents, [
    'plan:running',
    'resolve-image:running',
    'resolve-image:succeeded',
    'plan:succeeded',
    'execute-0:running',
    'execute-0:succeeded',
    'prepare-instance:running',
    'prepare-instance:succeeded',
  ]);
  const logs = events.filter((ev) => ev.type === 'log');
  t.ok(
    logs.some((ev) => ev.task_id === 'execute-0' && ev.message === ' hello-from-psql'),
    'psql output as log lines',
  );
  const running = events.findIndex((ev) => ev.task_id === 'execute-0' && ev.status === 'running');
  const done = events.findIndex((ev) => ev.task_id === 'execute-0' && ev.status === 'succeeded');
  t.ok(
    logs.every((ev) => events.indexOf(ev) > running && events.indexOf(ev) < done),
    'logs inside their task',
  );
  const ts = events.map((ev) => ev.ts);
  t.same([...ts].sort(), ts, 'timestamps never go back');
});

t.test(
  'heartbeats during a slow step; since resumes; the stream ends at the terminal event',
  async (t) => {
    const e = await testEngine(t);
    const res = await e.call('POST', '/v1/prepare-jobs', {
      body: JSON.stringify({ prepare_kind: 'psql', psql_args: ['-c', 'select pg_sleep(1.6)'] }),
    });
    const jobId = res.json().job_id;
    const events = await followEvents(e, jobId);
    const during = events.filter(
      (ev) => ev.type === 'task' && ev.task_id === 'execute-0' && ev.status === 'running',
    );
    t.ok(
      during.length >= 3,
      `the running task repeated itself as a heartbeat (${during.length} times)`,
    );
    const gaps = during
      .slice(1)
      .map((ev, i) => Date.parse(ev.ts) - Date.parse((during[i] as JobEvent).ts));
    t.ok(
      gaps.every((g) => g >= 400 && g <= 1200),
      `about every 500 ms: ${gaps.join(', ')}`,
    );
    const resumed = await followEvents(e, jobId, 5);
    t.same(resumed, events.slice(5), 'since=5 replays from the sixth event');
    t.same(
      await followEvents(e, jobId, events.length),
      [events.at(-1)],
      'since at the end: the terminal event again, and the stream ends',
    );
    t.same(
      await followEvents(e, jobId, events.length + 100),
      [events.at(-1)],
      'since past the end: the same',
    );
    t.equal((await e.get(`/v1/prepare-jobs/${jobId}/events?since=x`)).status, 400);
    t.equal((await e.get(`/v1/prepare-jobs/${'0'.repeat(32)}/events`)).status, 404);
  },
);

t.test('a client that leaves a live stream does not disturb the job', async (t) => {
  const e = await testEngine(t);
  const res = await e.call('POST', '/v1/prepare-jobs', {
    body: JSON.stringify({ prepare_kind: 'psql', psql_args: ['-c', 'select pg_sleep(0.8)'] }),
  });
  const jobId = res.json().job_id;
  const controller = new AbortController();
  const live = await request(e.url(`/v1/prepare-jobs/${jobId}/events`), {
    headers: { authorization: `Bearer ${e.authToken}` },
    signal: controller.signal,
  });
  for await (const _ of live.body) break; // read the first chunk, then leave
  controller.abort();
  const events = await followEvents(e, jobId);
  t.equal(events.at(-1)?.type, 'result');
});

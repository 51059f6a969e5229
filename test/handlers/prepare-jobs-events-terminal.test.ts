import t from 'tap';
import { streamJobEvents } from '../../handlers/prepare-jobs-events.js';
import type { Job } from '../../lib/prepare/jobs/job.js';
import type { EventsQuery, JobEvent } from '../../lib/schema-types.js';
import type { Deps, HandlerRequest } from '../../runtime/edge/types.js';
import { newJob } from '../helpers/job.js';

// Every events stream ends with the job's terminal event, however its reads and the job's end
// fall (docs/prepare.md, "Events"). The handler over a job in memory: no engine needed.

async function open(job: Job, since?: number): Promise<AsyncIterator<string | Uint8Array>> {
  const req = {
    params: { jobId: job.id },
    query: since === undefined ? {} : { since: String(since) },
  } as unknown as HandlerRequest<EventsQuery>;
  const deps = {
    jobs: { get: (id: string) => (id === job.id ? job : undefined) },
  } as unknown as Deps;
  const res = await streamJobEvents(req, deps);
  return (res.stream as AsyncIterable<string | Uint8Array>)[Symbol.asyncIterator]();
}

/** Reads a stream to its end, as event objects. */
async function rest(it: AsyncIterator<string | Uint8Array>): Promise<JobEvent[]> {
  let text = '';
  for (let r = await it.next(); !r.done; r = await it.next()) text += String(r.value);
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as JobEvent);
}

t.test(
  'a job that ends while the client reads a chunk: the rest and the terminal event follow',
  async (t) => {
    const job = newJob();
    job.emit({ type: 'status', status: 'queued' });
    const it = await open(job);
    const first = await it.next(); // the client has this chunk; the job ends before it asks again
    t.match(String(first.value), /"queued"/);
    job.setStatus('running');
    job.fail({ code: 'unavailable', message: 'down' });
    const events = await rest(it);
    t.same(
      events.map((e) => (e.type === 'status' ? `status:${e.status}` : e.type)),
      ['status:running', 'status:failed', 'error'],
    );
  },
);

t.test('a stream opened after the end, since past it, gets the terminal event', async (t) => {
  const job = newJob();
  job.emit({ type: 'status', status: 'queued' });
  job.setStatus('running');
  job.succeed();
  t.same(
    (await rest(await open(job, job.eventCount))).map((e) => e.type),
    ['result'],
  );
  t.same(
    (await rest(await open(job, 99))).map((e) => e.type),
    ['result'],
  );
  t.same((await rest(await open(job))).length, job.eventCount, 'from 0: all of them, once');
});

t.test('a stream waiting past the end the job has yet to reach still ends with it', async (t) => {
  const job = newJob();
  job.emit({ type: 'status', status: 'queued' });
  const it = await open(job, 50);
  const reading = rest(it);
  job.setStatus('running');
  job.fail({ code: 'cancelled', message: 'job cancelled' });
  t.same(
    (await reading).map((e) => e.type),
    ['error'],
  );
});

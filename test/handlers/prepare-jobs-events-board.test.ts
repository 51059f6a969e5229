import t from 'tap';
import { streamJobEvents } from '../../handlers/prepare-jobs-events.js';
import { newJobId } from '../../lib/id.js';
import { Job } from '../../lib/prepare/jobs/job.js';
import type { EventsQuery, JobEvent } from '../../lib/schema-types.js';
import { PgJobBoard } from '../../lib/store/postgres/job-board.js';
import type { Deps, HandlerRequest } from '../../runtime/edge/types.js';
import { pgCatalog } from '../helpers/pg-catalog.js';

// The events of a job another engine runs, followed on a shared catalog's job board
// (docs/scaling.md, "Jobs"): the stream ends with the job's terminal event, as one of a job
// held in memory does (docs/prepare.md, "Events").

const cat = await pgCatalog(t);
await cat.open(); // creates and migrates the schema, as an engine's start does
const board = (engineId: string) => {
  const b = new PgJobBoard({
    url: cat.url,
    schema: 'sqlrs_catalog',
    engineId,
    clock: () => new Date(),
    retentionMs: 60_000,
    keepTotal: 1000,
    pollMs: 100,
    onError: (e) => t.comment(`board: ${e}`),
  });
  t.teardown(() => b.close());
  return b;
};
const owner = board('engine-a');
const reader = board('engine-b');

/** A job of its own id: every job of the catalog is a row. */
const newJob = () =>
  new Job({
    id: newJobId(),
    kind: 'psql',
    imageId: 'postgres',
    planOnly: false,
    argsNormalized: '-c x',
    signature: 'sig',
    createdAt: new Date().toISOString(),
    clock: () => new Date(),
  });

/** The stream through the engine that does not hold the job, read to its end. */
async function stream(jobId: string, since?: number): Promise<JobEvent[]> {
  const req = {
    params: { jobId },
    query: since === undefined ? {} : { since: String(since) },
  } as unknown as HandlerRequest<EventsQuery>;
  const deps = { jobs: { get: () => undefined }, jobBoard: reader } as unknown as Deps;
  const res = await streamJobEvents(req, deps);
  let text = '';
  for await (const chunk of res.stream as AsyncIterable<string>) text += chunk;
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as JobEvent);
}

t.test('a finished job followed from past its end: its terminal event alone', async (t) => {
  const job = newJob();
  owner.publish(job);
  job.emit({ type: 'status', status: 'queued' });
  job.succeed();
  await owner.settled(job);
  t.same(await stream(job.id), job.events, 'from the start: every event');
  const past = await stream(job.id, 1000);
  t.same(past, [job.terminalEvent], 'since past the end: the terminal event');
});

t.test('a running job followed from past its count: only what comes from there', async (t) => {
  const job = newJob();
  owner.publish(job);
  job.emit({ type: 'status', status: 'queued' });
  job.setStatus('running');
  await owner.settled(job);
  const followed = stream(job.id, 5);
  for (let i = 0; i < 6; i++) job.emit({ type: 'log', message: `line ${i}` });
  job.succeed();
  await owner.settled(job);
  const got = await followed;
  t.same(got, job.eventsFrom(5), 'the events from index 5, ending with the terminal one');
});

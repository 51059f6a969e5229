import { notFound } from '../lib/errors.js';
import type { Job } from '../lib/prepare/job.js';
import type { EventsQuery } from '../lib/schema-types.js';
import { NDJSON } from '../lib/stream.js';
import type { Deps, HandlerRequest, HandlerResponse } from '../runtime/types.js';

/**
 * GET /v1/prepare-jobs/{jobId}/events: the job's events as NDJSON from index `since`, then live
 * until the terminal event (`result` or `error`). A client that leaves ends the stream.
 */
export async function streamJobEvents(
  req: HandlerRequest<EventsQuery>,
  deps: Deps,
): Promise<HandlerResponse> {
  const job = deps.jobs.get(req.params.jobId as string);
  if (!job) throw notFound(`job ${req.params.jobId} not found`);
  const since = Number(req.query.since ?? 0);
  return { status: 200, headers: { 'content-type': NDJSON }, stream: follow(job, since) };
}

async function* follow(job: Job, since: number): AsyncGenerator<string> {
  let next = since;
  for (;;) {
    if (next < job.events.length) {
      const lines = job.events.slice(next).map((e) => `${JSON.stringify(e)}\n`);
      next = job.events.length;
      yield lines.join('');
    }
    if (job.ended) return;
    await job.nextEvent(1000);
  }
}

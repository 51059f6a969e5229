import { notFound } from '../lib/errors.js';
import type { Job } from '../lib/prepare/jobs/job.js';
import type { EventsQuery, JobEvent } from '../lib/schema-types.js';
import { NDJSON } from '../runtime/edge/listing/stream.js';
import type { Deps, HandlerRequest, HandlerResponse } from '../runtime/edge/types.js';

/**
 * GET /v1/prepare-jobs/{jobId}/events: the job's events as NDJSON from index `since`, then live
 * until the terminal event (`result` or `error`). Every stream ends with that event, also one
 * opened after the job ended with `since` past it (docs/prepare.md, "Events"). A client that
 * leaves ends the stream.
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

const line = (e: JobEvent) => `${JSON.stringify(e)}\n`;

async function* follow(job: Job, since: number): AsyncGenerator<string> {
  let next = since;
  let sentTerminal = false;
  for (;;) {
    const count = job.eventCount;
    if (next < count) {
      const events = job.eventsFrom(next);
      next = count;
      if (events.length > 0) {
        sentTerminal = job.ended && events.at(-1) === job.terminalEvent;
        yield events.map(line).join('');
        continue; // the job may have said more (or ended) while the client read
      }
    }
    if (job.ended) {
      const terminal = job.terminalEvent as JobEvent;
      if (!sentTerminal) yield line(terminal);
      return;
    }
    await job.nextEvent(1000);
  }
}

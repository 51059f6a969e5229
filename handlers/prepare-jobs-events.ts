import { notFound } from '../lib/errors.js';
import type { Job } from '../lib/prepare/jobs/job.js';
import type { BoardEvents, JobBoard } from '../lib/prepare/jobs/job-board.js';
import type { EventsQuery, JobEvent } from '../lib/schema-types.js';
import { NDJSON } from '../runtime/edge/listing/stream.js';
import type { Deps, HandlerRequest, HandlerResponse } from '../runtime/edge/types.js';

/** How often another engine's job is read again while it is followed (its events batch in ~25 ms). */
export const BOARD_POLL_MS = 200;

/**
 * GET /v1/prepare-jobs/{jobId}/events: the job's events as NDJSON from index `since`, then live
 * until the terminal event (`result` or `error`). Every stream ends with that event, also one
 * opened after the job ended with `since` past it (docs/prepare.md, "Events"). A client that
 * leaves ends the stream. Another engine's job (shared catalog) is followed on the job board.
 */
export async function streamJobEvents(
  req: HandlerRequest<EventsQuery>,
  deps: Deps,
): Promise<HandlerResponse> {
  const id = req.params.jobId as string;
  const since = Number(req.query.since ?? 0);
  const job = deps.jobs.get(id);
  const headers = { 'content-type': NDJSON };
  if (job) {
    const board = deps.jobBoard?.shared ? deps.jobBoard : undefined;
    return { status: 200, headers, stream: follow(job, since, board) };
  }
  const first = await deps.jobBoard?.events(id, since);
  if (!first || !deps.jobBoard) throw notFound(`job ${id} not found`);
  return { status: 200, headers, stream: followBoard(deps.jobBoard, id, since, first) };
}

const line = (e: JobEvent) => `${JSON.stringify(e)}\n`;

/** `board`: the terminal event is on it before this stream says it (a shared catalog). */
async function* follow(job: Job, since: number, board?: JobBoard): AsyncGenerator<string> {
  let next = since;
  let sentTerminal = false;
  for (;;) {
    const count = job.eventCount;
    if (next < count) {
      const events = job.eventsFrom(next);
      next = count;
      if (events.length > 0) {
        sentTerminal = job.ended && events.at(-1) === job.terminalEvent;
        if (sentTerminal && board) await board.settled(job);
        yield events.map(line).join('');
        continue; // the job may have said more (or ended) while the client read
      }
    }
    if (job.ended) {
      const terminal = job.terminalEvent as JobEvent;
      if (board) await board.settled(job);
      if (!sentTerminal) yield line(terminal);
      return;
    }
    await job.nextEvent(1000);
  }
}

/**
 * Another engine's job: its rows read again every BOARD_POLL_MS until it ends. `since` past
 * the job's count skips what it says up to there; its terminal event ends the stream anyway.
 */
async function* followBoard(
  board: JobBoard,
  jobId: string,
  since: number,
  first: BoardEvents,
): AsyncGenerator<string> {
  let page: BoardEvents | undefined = first;
  let next = since;
  let sentTerminal = false;
  while (page) {
    next = Math.max(next, page.count);
    if (page.events.length > 0) {
      sentTerminal = page.ended;
      yield page.events.map(line).join('');
    }
    if (page.ended) {
      if (!sentTerminal) {
        const last = await board.events(jobId, page.count - 1);
        const terminal = last?.events.at(-1);
        if (terminal) yield line(terminal);
      }
      return;
    }
    if (page.events.length === 0) await new Promise((r) => setTimeout(r, BOARD_POLL_MS));
    page = await board.events(jobId, next); // gone (deleted meanwhile): the stream ends
  }
}

import type { PrepareAccepted, PrepareQuery, PrepareRequest } from '../lib/schema-types.js';
import type { Deps, HandlerRequest, HandlerResponse } from '../runtime/edge/types.js';

/**
 * POST /v1/prepare-jobs: the request is validated and its steps hashed before it is accepted,
 * so argument and include errors are a 400 here rather than a failed job later. With `wait`
 * (seconds) the answer is held until the job ends: 201 with its JobStatus, as GET of the job
 * gives it; a wait that runs out, or a client that leaves, gets the usual 202 (docs/api.md).
 */
export async function createPrepareJob(
  req: HandlerRequest<PrepareQuery, PrepareRequest>,
  deps: Deps,
): Promise<HandlerResponse> {
  // A client that leaves while its steps are hashed stops the hashing (docs/prepare.md).
  const job = await deps.jobs.submit(req.body, req.signal);
  // On a shared catalog the job's row is written before its id is told: any engine finds it.
  const board = deps.jobBoard?.shared ? deps.jobBoard : undefined;
  if (board) await board.settled(job);
  const statusUrl = `/v1/prepare-jobs/${job.id}`;
  const headers = { location: statusUrl };
  const waitMs = Number(req.query.wait ?? 0) * 1000;
  if (waitMs > 0 && (await job.untilEnded(waitMs, req.signal))) {
    if (board) await board.settled(job); // its end too, before it is reported
    return { status: 201, headers, body: job.statusView() };
  }
  const body: PrepareAccepted = {
    job_id: job.id,
    status_url: statusUrl,
    events_url: `${statusUrl}/events`,
    status: 'queued',
  };
  return { status: 202, headers, body };
}

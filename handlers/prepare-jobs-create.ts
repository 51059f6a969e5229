import type { PrepareAccepted, PrepareRequest } from '../lib/schema-types.js';
import type { Deps, HandlerRequest, HandlerResponse } from '../runtime/edge/types.js';

/**
 * POST /v1/prepare-jobs: the request is validated and its steps hashed before it is accepted,
 * so argument and include errors are a 400 here rather than a failed job later.
 */
export async function createPrepareJob(
  req: HandlerRequest<unknown, PrepareRequest>,
  deps: Deps,
): Promise<HandlerResponse> {
  // A client that leaves while its steps are hashed stops the hashing (docs/prepare.md).
  const job = await deps.jobs.submit(req.body, req.signal);
  const statusUrl = `/v1/prepare-jobs/${job.id}`;
  const body: PrepareAccepted = {
    job_id: job.id,
    status_url: statusUrl,
    events_url: `${statusUrl}/events`,
    status: 'queued',
  };
  return { status: 202, headers: { location: statusUrl }, body };
}

import { notFound } from '../lib/errors.js';
import type { Deps, HandlerRequest } from '../runtime/edge/types.js';

/** POST /v1/prepare-jobs/{jobId}/cancel: 202 when a cancel was requested, 200 when already done. */
export async function cancelPrepareJob(req: HandlerRequest, deps: Deps) {
  const job = deps.jobs.get(req.params.jobId as string);
  if (!job) throw notFound(`job ${req.params.jobId} not found`);
  const requested = deps.jobs.requestCancel(job.id);
  return { status: requested ? 202 : 200, body: job.statusView() };
}

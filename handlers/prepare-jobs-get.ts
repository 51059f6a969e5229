import { notFound } from '../lib/errors.js';
import type { Deps, HandlerRequest } from '../runtime/edge/types.js';

/** GET /v1/prepare-jobs/{jobId}: JobStatus with plan, result or error. */
export async function getPrepareJob(req: HandlerRequest, deps: Deps) {
  const job = deps.jobs.get(req.params.jobId as string);
  if (!job) throw notFound(`job ${req.params.jobId} not found`);
  return { status: 200, body: job.statusView() };
}

import { notFound } from '../lib/errors.js';
import type { Deps, HandlerRequest } from '../runtime/edge/types.js';

/**
 * POST /v1/prepare-jobs/{jobId}/cancel: 202 when a cancel was requested, 200 when already done.
 * Another engine's job (shared catalog) is cancelled by that engine, told through the job
 * board (docs/scaling.md); the 202 answers once it is asked.
 */
export async function cancelPrepareJob(req: HandlerRequest, deps: Deps) {
  const id = req.params.jobId as string;
  const job = deps.jobs.get(id);
  if (job) {
    const requested = deps.jobs.requestCancel(job.id);
    return { status: requested ? 202 : 200, body: job.statusView() };
  }
  const asked = await deps.jobBoard?.requestCancel(id);
  if (!asked) throw notFound(`job ${id} not found`);
  return { status: asked.requested ? 202 : 200, body: asked.status };
}

import { notFound } from '../lib/errors.js';
import type { Deps, HandlerRequest } from '../runtime/edge/types.js';

/**
 * GET /v1/prepare-jobs/{jobId}: JobStatus with plan, result or error. A job this engine does
 * not hold is looked for on a shared catalog's job board (another engine's, docs/scaling.md).
 */
export async function getPrepareJob(req: HandlerRequest, deps: Deps) {
  const id = req.params.jobId as string;
  const job = deps.jobs.get(id);
  if (job) {
    // Its end is on the board before a client learns of it here and asks another engine.
    if (job.ended && deps.jobBoard?.shared) await deps.jobBoard.settled(job);
    return { status: 200, body: job.statusView() };
  }
  const remote = await deps.jobBoard?.get(id);
  if (!remote) throw notFound(`job ${id} not found`);
  return { status: 200, body: remote };
}

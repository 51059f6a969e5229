import { entryOf, mergeJobs } from '../lib/prepare/jobs/job-board.js';
import type { JobsQuery } from '../lib/schema-types.js';
import { listResponse, onePage } from '../runtime/edge/listing/stream.js';
import type { Deps, HandlerRequest } from '../runtime/edge/types.js';

/**
 * GET /v1/prepare-jobs, optionally one exact `job`. Jobs live in memory (docs/prepare.md); on a
 * shared catalog every engine's are listed, from the job board (docs/scaling.md).
 */
export async function listPrepareJobs(req: HandlerRequest<JobsQuery>, deps: Deps) {
  const held = deps.jobs.list(req.query.job);
  const entries = deps.jobBoard?.shared
    ? mergeJobs(held, await deps.jobBoard.list(req.query.job)).map(entryOf)
    : held.map((j) => j.entry());
  return listResponse(onePage(entries), req.headers.accept);
}

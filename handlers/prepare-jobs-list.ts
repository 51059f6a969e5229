import type { JobsQuery } from '../lib/schema-types.js';
import { listResponse, onePage } from '../runtime/edge/listing/stream.js';
import type { Deps, HandlerRequest } from '../runtime/edge/types.js';

/** GET /v1/prepare-jobs, optionally one exact `job`. Jobs live in memory (docs/prepare.md). */
export async function listPrepareJobs(req: HandlerRequest<JobsQuery>, deps: Deps) {
  const entries = deps.jobs.list(req.query.job).map((j) => j.entry());
  return listResponse(onePage(entries), req.headers.accept);
}

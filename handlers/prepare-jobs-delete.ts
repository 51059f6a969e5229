import type { DeleteQuery } from '../lib/schema-types.js';
import { parseBoolean } from '../runtime/edge/query.js';
import type { Deps, HandlerRequest } from '../runtime/edge/types.js';
import { deleteResponse } from './delete-response.js';

/** DELETE /v1/prepare-jobs/{jobId}: blocked while it runs (`active_tasks`) unless `force`. */
export async function deletePrepareJob(req: HandlerRequest<DeleteQuery>, deps: Deps) {
  const result = await deps.deletion.deleteJob(req.params.jobId as string, {
    force: parseBoolean(req.query.force, 'force'),
    dryRun: parseBoolean(req.query.dry_run, 'dry_run'),
  });
  return deleteResponse(result);
}

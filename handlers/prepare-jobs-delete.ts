import { deleteBoardJob } from '../lib/prepare/jobs/board-delete.js';
import type { DeleteQuery } from '../lib/schema-types.js';
import { parseBoolean } from '../runtime/edge/query.js';
import type { Deps, HandlerRequest } from '../runtime/edge/types.js';
import { deleteResponse } from './delete-response.js';

/**
 * DELETE /v1/prepare-jobs/{jobId}: blocked while it runs (`active_tasks`) unless `force`.
 * Another engine's job (shared catalog) is deleted from the job board, a running one cancelled
 * by its engine first (docs/scaling.md).
 */
export async function deletePrepareJob(req: HandlerRequest<DeleteQuery>, deps: Deps) {
  const id = req.params.jobId as string;
  const opts = {
    force: parseBoolean(req.query.force, 'force'),
    dryRun: parseBoolean(req.query.dry_run, 'dry_run'),
  };
  const board = deps.jobBoard;
  const result =
    board?.shared && !deps.jobs.get(id)
      ? await deleteBoardJob(board, id, opts)
      : await deps.deletion.deleteJob(id, opts);
  return deleteResponse(result);
}

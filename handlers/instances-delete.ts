import type { DeleteQuery } from '../lib/schema-types.js';
import { parseBoolean } from '../runtime/edge/query.js';
import type { Deps, HandlerRequest } from '../runtime/edge/types.js';
import { deleteResponse } from './delete-response.js';

/** DELETE /v1/instances/{instanceId}: blocked by sessions unless `force` (docs/deletion.md). */
export async function deleteInstance(req: HandlerRequest<DeleteQuery>, deps: Deps) {
  const result = await deps.deletion.deleteInstance(req.params.instanceId as string, {
    force: parseBoolean(req.query.force, 'force'),
    dryRun: parseBoolean(req.query.dry_run, 'dry_run'),
  });
  return deleteResponse(result);
}

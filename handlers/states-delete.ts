import type { StateDeleteQuery } from '../lib/schema-types.js';
import { parseBoolean } from '../runtime/edge/query.js';
import type { Deps, HandlerRequest } from '../runtime/edge/types.js';
import { deleteResponse } from './delete-response.js';

/** DELETE /v1/states/{stateId}: the state, or with `recurse` its subtree (docs/deletion.md). */
export async function deleteState(req: HandlerRequest<StateDeleteQuery>, deps: Deps) {
  const result = await deps.deletion.deleteState(req.params.stateId as string, {
    recurse: parseBoolean(req.query.recurse, 'recurse'),
    force: parseBoolean(req.query.force, 'force'),
    dryRun: parseBoolean(req.query.dry_run, 'dry_run'),
  });
  return deleteResponse(result);
}

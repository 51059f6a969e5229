import { notFound } from '../lib/errors.js';
import { resolveStateId } from '../lib/registry.js';
import type { Deps, HandlerRequest } from '../runtime/edge/types.js';

/** GET /v1/states/{stateId}: a full id or a unique prefix of 8+ hex characters. */
export async function getState(req: HandlerRequest, deps: Deps) {
  const id = resolveStateId(deps.store, req.params.stateId as string);
  const entry = deps.store.stateEntry(id);
  if (!entry) throw notFound(`state ${id} not found`);
  // Each copy is a clone of the sealed state: counted at the state's recorded size.
  const count = deps.store.listPooled(id).length;
  const bytes = count * (deps.store.getState(id)?.size_bytes ?? 0);
  return { status: 200, body: { ...entry, warm_copies: { count, bytes } } };
}

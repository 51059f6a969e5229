import { notFound } from '../lib/errors.js';
import { resolveInstanceRef } from '../lib/registry.js';
import type { Deps, HandlerRequest, HandlerResponse } from '../runtime/edge/types.js';

/**
 * GET /v1/instances/{idOrName}: an exact id answers with the entry; a name (or an id prefix)
 * answers 307 to the canonical id URL, so clients cache and compare by id.
 */
export async function getInstance(req: HandlerRequest, deps: Deps): Promise<HandlerResponse> {
  const ref = resolveInstanceRef(deps.store, req.params.idOrName as string);
  if (ref.via !== 'id') {
    return { status: 307, headers: { location: `/v1/instances/${ref.instanceId}` } };
  }
  const entry = deps.store.instanceEntry(ref.instanceId);
  if (!entry) throw notFound(`instance ${ref.instanceId} not found`);
  return { status: 200, body: entry };
}

import { notFound } from '../lib/errors.js';
import { plusSeconds } from '../lib/lifecycle/expiry.js';
import { resolveInstanceRef } from '../lib/registry.js';
import type { InstanceRenewRequest } from '../lib/schema-types.js';
import type { Deps, HandlerRequest, HandlerResponse } from '../runtime/edge/types.js';

/**
 * POST /v1/instances/{idOrName}/renew: a lease's heartbeat (docs/lifecycle.md). The instance
 * now expires `ttl_seconds` from now, whatever it had; an id, a name or an id prefix names it.
 */
export async function renewInstance(
  req: HandlerRequest<unknown, InstanceRenewRequest>,
  deps: Deps,
): Promise<HandlerResponse> {
  const { instanceId } = resolveInstanceRef(deps.store, req.params.idOrName as string);
  const now = deps.clock().toISOString();
  const expiresAt = plusSeconds(now, req.body.ttl_seconds);
  await deps.store.write((w) => w.renewInstance(instanceId, expiresAt, now));
  const entry = deps.store.instanceEntry(instanceId);
  if (!entry) throw notFound(`instance ${instanceId} not found`);
  return { status: 200, body: entry };
}

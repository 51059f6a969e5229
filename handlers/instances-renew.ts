import { notFound, sqlrsError } from '../lib/errors.js';
import { plusSeconds } from '../lib/lifecycle/expiry.js';
import { resolveInstanceRef } from '../lib/registry.js';
import type { InstanceRenewRequest } from '../lib/schema-types.js';
import type { Deps, HandlerRequest, HandlerResponse } from '../runtime/edge/types.js';

/**
 * POST /v1/instances/{idOrName}/renew: a lease's heartbeat (docs/lifecycle.md). The instance
 * now expires `ttl_seconds` from now, whatever it had; an id, a name or an id prefix names it.
 * An instance still being made is not found (as GET has it); one a delete is removing answers
 * 409: a 200 would promise a lease the delete then ends. Both are read in the turn of the write,
 * so a delete that commits later sees the new expiry (lib/deletion/execute.ts).
 */
export async function renewInstance(
  req: HandlerRequest<unknown, InstanceRenewRequest>,
  deps: Deps,
): Promise<HandlerResponse> {
  const { instanceId } = resolveInstanceRef(deps.store, req.params.idOrName as string);
  if (!deps.store.instanceEntry(instanceId)) throw notFound(`instance ${instanceId} not found`);
  if (deps.deletion.instanceGoing(instanceId)) {
    throw sqlrsError('conflict', `instance ${instanceId} is being deleted`);
  }
  const now = deps.clock().toISOString();
  const expiresAt = plusSeconds(now, req.body.ttl_seconds);
  await deps.store.write((w) => w.renewInstance(instanceId, expiresAt, now));
  const entry = deps.store.instanceEntry(instanceId);
  if (!entry) throw notFound(`instance ${instanceId} not found`);
  return { status: 200, body: entry };
}

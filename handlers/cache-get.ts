import { sqlrsError } from '../lib/errors.js';
import type { CacheStatus } from '../lib/schema-types.js';
import type { Deps, HandlerResponse } from '../runtime/edge/types.js';

/** GET /v1/cache: usage per server against the budget, and the last eviction (docs/lifecycle.md). */
export async function getCache(_req: unknown, deps: Deps): Promise<HandlerResponse> {
  const cache = deps.cache;
  if (!cache) throw sqlrsError('unavailable', 'this engine keeps no cache budget');
  const maxBytes = cache.maxBytes;
  const servers: CacheStatus['servers'] = [];
  for (const u of await cache.usage()) {
    servers.push({
      image_id: u.imageIds[0] as string,
      image_ids: u.imageIds,
      measured: u.measured,
      usage_bytes: u.usageBytes,
      max_bytes: maxBytes,
      state_count: u.states.length,
      warm_count: u.copies.length,
      instance_count: u.instanceCount,
      reclaimable_bytes: await cache.reclaimable(u),
    });
  }
  const body: CacheStatus = { servers };
  const last = cache.lastEviction();
  if (last) body.last_eviction = last;
  return { status: 200, body };
}

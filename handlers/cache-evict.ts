import { sqlrsError } from '../lib/errors.js';
import type { CacheEvicted, CacheEvictQuery } from '../lib/schema-types.js';
import { parseBoolean } from '../runtime/edge/query.js';
import type { Deps, HandlerRequest, HandlerResponse } from '../runtime/edge/types.js';

/** POST /v1/cache/evict: an eviction pass now; with dry_run, what it would drop (docs/lifecycle.md). */
export async function evictCache(
  req: HandlerRequest<CacheEvictQuery>,
  deps: Deps,
): Promise<HandlerResponse> {
  if (!deps.cache) throw sqlrsError('unavailable', 'this engine keeps no cache budget');
  const dryRun = parseBoolean(req.query.dry_run, 'dry_run');
  const body: CacheEvicted = { dry_run: dryRun, evicted: await deps.cache.evictNow({ dryRun }) };
  return { status: 200, body };
}

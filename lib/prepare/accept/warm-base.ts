import type { ImageTarget } from '../../config.js';
import type { PrepareContext } from '../context.js';
import { baseSource } from '../hand-out/pool-source.js';

/**
 * From this many bytes of scripts a request is most often a dump about to be built, whose hash
 * takes long enough (tens of ms per MB) for a copy of the empty base to be made meanwhile; a
 * smaller one is most often a cache hit, which needs no base (docs/prepare.md, warm pool).
 */
export const WARM_BASE_MIN_BYTES = 1024 * 1024;

/**
 * When the request's scripts come to `scriptBytes` or more, has the warm pool make a copy of the
 * target image's empty base while the steps are hashed, where it has room (WarmPool.copyAhead:
 * no copy gives way to it), so that a first step to build takes it as its build
 * database instead of waiting for a `CREATE DATABASE` after the hash. The image is resolved
 * here without being kept: the job resolves it as always, and reports it. A server that cannot
 * answer is left to the job. Never waits and never throws.
 */
export function warmBaseForLargeScripts(
  ctx: PrepareContext,
  target: ImageTarget,
  scriptBytes: number,
): void {
  if (!ctx.warmPool?.enabled || scriptBytes < WARM_BASE_MIN_BYTES) return;
  warmBase(ctx, target).catch((err) =>
    ctx.logger.info('warm_base_skipped', { image_id: target.imageId, error: String(err) }),
  );
}

async function warmBase(ctx: PrepareContext, target: ImageTarget): Promise<void> {
  const server = ctx.servers(target);
  // Without RENAME DATABASE (MySQL) a build cannot take a copy: the pool keeps none of a base.
  if (!server.rename) return;
  const { imageId } = target;
  const resolved = ctx.resolved.get(imageId) ?? (await server.resolve(imageId));
  ctx.warmPool?.copyAhead(baseSource(imageId, resolved), server);
}

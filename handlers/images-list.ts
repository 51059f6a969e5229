import { redactUrl } from '../lib/config.js';
import { sqlrsError } from '../lib/errors.js';
import type { ImageList } from '../lib/schema-types.js';
import type { Deps, HandlerResponse } from '../runtime/edge/types.js';

/**
 * GET /v1/images: the engine's images, each asked whether its server answers from here (the
 * engine's network, not the caller's), without logging in. URLs lose their password.
 */
export async function listImages(_req: unknown, deps: Deps): Promise<HandlerResponse> {
  const images = deps.images;
  if (!images) throw sqlrsError('unavailable', 'this engine does not list its images');
  const body: ImageList = await Promise.all(
    images.targets.map(async (target) => ({
      image_id: target.imageId,
      kind: target.kind,
      url: redactUrl(target.url),
      default: target.imageId === images.defaultId,
      answers: await images.answers(target.url),
    })),
  );
  return { status: 200, body };
}

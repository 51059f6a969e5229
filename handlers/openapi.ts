import { notFound } from '../lib/errors.js';
import type { Deps, HandlerResponse } from '../runtime/edge/types.js';

/** GET /v1/openapi.json: the API description, public like health (it holds no secrets). */
export async function getOpenApi(_req: unknown, deps: Deps): Promise<HandlerResponse> {
  if (!deps.openapi) throw notFound('no OpenAPI document in this deployment');
  return { status: 200, body: deps.openapi() };
}

import type { StatesQuery } from '../lib/schema-types.js';
import { cachedListResponse, listResponse, pages } from '../lib/stream.js';
import type { Deps, HandlerRequest } from '../runtime/types.js';

/** GET /v1/states: filters by id prefix, prepare kind, image and parent (id or prefix). */
export async function listStates(req: HandlerRequest<StatesQuery>, deps: Deps) {
  const filter = {
    idPrefix: req.query.id_prefix?.toLowerCase(),
    kind: req.query.kind,
    image: req.query.image,
    parentPrefix: req.query.parent?.toLowerCase(),
  };
  const read = (after: string | undefined, limit: number) =>
    deps.store.listStates(filter, { after, limit });
  const rowKey = (row: { state_id: string }) => row.state_id;
  // States have no time-dependent fields, so their rendered pages can be kept per generation.
  if (deps.listCache) {
    const { store, listCache: cache } = deps;
    const key = `states${JSON.stringify(filter)}`;
    const generation = () => store.generation;
    return cachedListResponse({ cache, generation, key, read, rowKey }, req.headers.accept);
  }
  return listResponse(pages(read, rowKey), req.headers.accept);
}

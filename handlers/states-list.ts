import type { StatesQuery } from '../lib/schema-types.js';
import { cachedListResponse } from '../runtime/edge/listing/list-cache.js';
import { listResponse, pages } from '../runtime/edge/listing/stream.js';
import type { Deps, HandlerRequest } from '../runtime/edge/types.js';

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
  // States have no time-dependent fields, so their rendered rows can be kept and patched.
  if (deps.listCache) {
    const { store, listCache: cache } = deps;
    const src = {
      cache,
      key: `states${JSON.stringify(filter)}`,
      generation: () => store.generation,
      read,
      rowKey,
      changedSince: (generation: number) => store.statesChangedSince(generation),
      readKeys: (ids: string[]) => store.listStates({ ...filter, ids }, { limit: ids.length }),
    };
    return cachedListResponse(src, req.headers.accept);
  }
  return listResponse(pages(read, rowKey), req.headers.accept);
}

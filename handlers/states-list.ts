import type { StatesQuery } from '../lib/schema-types.js';
import { listResponse, pages } from '../runtime/edge/listing/stream.js';
import type { Deps, HandlerRequest } from '../runtime/edge/types.js';

/** GET /v1/states: filters by id prefix, prepare kind, image and parent (id or prefix). */
export async function listStates(req: HandlerRequest<StatesQuery>, deps: Deps) {
  const { store, listCache } = deps;
  const filter = {
    idPrefix: req.query.id_prefix?.toLowerCase(),
    kind: req.query.kind,
    image: req.query.image,
    parentPrefix: req.query.parent?.toLowerCase(),
  };
  const read = (after: string | undefined, limit: number) =>
    store.listStates(filter, { after, limit });
  const rowKey = (row: { state_id: string }) => row.state_id;
  if (!listCache) return listResponse(pages(read, rowKey), req.headers.accept);
  // States have no time-dependent fields, so their rendered rows can be kept and patched.
  const source = {
    key: `states${JSON.stringify(filter)}`,
    read,
    rowKey,
    generation: () => store.generation,
    changedSince: (generation: number) => store.statesChangedSince(generation),
    readKeys: (ids: string[]) => store.listStates({ ...filter, ids }, { limit: ids.length }),
  };
  return listCache.respond(source, req.headers.accept);
}

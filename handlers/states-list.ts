import type { StatesQuery } from '../lib/schema-types.js';
import { listResponse, pages } from '../lib/stream.js';
import type { Deps, HandlerRequest } from '../runtime/types.js';

/** GET /v1/states: filters by id prefix, prepare kind, image and parent (id or prefix). */
export async function listStates(req: HandlerRequest<StatesQuery>, deps: Deps) {
  const filter = {
    idPrefix: req.query.id_prefix?.toLowerCase(),
    kind: req.query.kind,
    image: req.query.image,
    parentPrefix: req.query.parent?.toLowerCase(),
  };
  const rows = pages(
    (after, limit) => deps.store.listStates(filter, { after, limit }),
    (row) => row.state_id,
  );
  return listResponse(rows, req.headers.accept);
}

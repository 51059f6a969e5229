import type { NamesQuery } from '../lib/schema-types.js';
import { listResponse, pages } from '../runtime/edge/listing/stream.js';
import type { Deps, HandlerRequest } from '../runtime/edge/types.js';

/** GET /v1/names: filters by instance or state (id or 8+ hex prefix) and image. */
export async function listNames(req: HandlerRequest<NamesQuery>, deps: Deps) {
  const filter = {
    instancePrefix: req.query.instance?.toLowerCase(),
    statePrefix: req.query.state?.toLowerCase(),
    image: req.query.image,
  };
  const rows = pages(
    (after, limit) => deps.store.listNames(filter, { after, limit }),
    (row) => row.name,
  );
  return listResponse(rows, req.headers.accept);
}

import { redactUrl } from '../lib/config.js';
import type { InstancesQuery } from '../lib/schema-types.js';
import { listResponse, pages } from '../runtime/edge/listing/stream.js';
import type { Deps, HandlerRequest } from '../runtime/edge/types.js';

/**
 * GET /v1/instances: filters by id prefix, state (id or prefix) and image. A DSN is listed
 * without its password: an instance's own entry (and its job's result) carries it.
 */
export async function listInstances(req: HandlerRequest<InstancesQuery>, deps: Deps) {
  const filter = {
    idPrefix: req.query.id_prefix?.toLowerCase(),
    statePrefix: req.query.state?.toLowerCase(),
    image: req.query.image,
  };
  const rows = pages(
    (after, limit) =>
      deps.store
        .listInstances(filter, { after, limit })
        .map((row) => ({ ...row, dsn: redactUrl(row.dsn) })),
    (row) => row.instance_id,
  );
  return listResponse(rows, req.headers.accept);
}

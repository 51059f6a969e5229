import { redactUrl } from '../lib/config.js';
import type { InstancesQuery } from '../lib/schema-types.js';
import type { InstanceFilter } from '../lib/store/types.js';
import { listResponse, pages } from '../runtime/edge/listing/stream.js';
import type { Deps, HandlerRequest } from '../runtime/edge/types.js';

/**
 * GET /v1/instances: filters by id prefix, state (id or prefix) and image. A DSN is listed
 * without its password: an instance's own entry (and its job's result) carries it.
 */
export async function listInstances(req: HandlerRequest<InstancesQuery>, deps: Deps) {
  const { store, listCache } = deps;
  const filter: InstanceFilter = {
    idPrefix: req.query.id_prefix?.toLowerCase(),
    statePrefix: req.query.state?.toLowerCase(),
    image: req.query.image,
  };
  const entries = (f: InstanceFilter, after: string | undefined, limit: number) =>
    store.listInstances(f, { after, limit }).map((row) => ({ ...row, dsn: redactUrl(row.dsn) }));
  const read = (after: string | undefined, limit: number) => entries(filter, after, limit);
  const rowKey = (row: { instance_id: string }) => row.instance_id;
  const changedSince = store.instancesChangedSince.bind(store);
  const expiring = store.instancesExpiringBetween.bind(store);
  if (!listCache) return listResponse(pages(read, rowKey), req.headers.accept);
  // Kept and patched like the state listing; an entry's status also turns `expired` with the
  // clock (the catalog's, deps.clock), so the rows whose expiry passed are rendered again.
  const source = {
    key: `instances${JSON.stringify(filter)}`,
    read,
    rowKey,
    generation: () => store.generation,
    changedSince,
    readKeys: (ids: string[]) => entries({ ...filter, ids }, undefined, ids.length),
    clock: { now: () => deps.clock().toISOString(), changedBetween: expiring },
  };
  return listCache.respond(source, req.headers.accept);
}

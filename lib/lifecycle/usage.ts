import { type EngineConfig, type ImageTarget, imageTarget } from '../config.js';
import type { DbmsServer } from '../dbms/types.js';
import type { PooledRow, StateHoldRow, Store } from '../store/types.js';

/** What the catalog holds on one server (one URL, however many image ids name it). */
export interface ServerHoldings {
  target: ImageTarget;
  imageIds: string[];
  states: StateHoldRow[];
  copies: PooledRow[];
  instanceCount: number;
}

/** A server's holdings with their sizes as the server measured them. */
export interface ServerUsage extends ServerHoldings {
  /** False when the server could not be asked: sizes are then the catalog's. */
  measured: boolean;
  sizeOf(db: string): number;
  /** Bytes of its states and warm copies. */
  usageBytes: number;
}

/** States read per page: 3-8 ms of the main thread at 100,000 states (docs/lifecycle.md, A pass). */
export const HOLDS_PAGE = 500;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The catalog's states, warm copies and instances grouped by server: the states (with their
 * holds) read in pages of HOLDS_PAGE in key order, other work running between pages, then one
 * query each for copies and instance counts. A state written while the pages are read may be
 * left out or counted with its holds of then: a pass judges each candidate again before it
 * deletes it (eviction.ts, unheld), and the next pass sees the rest. Rows of an image no
 * longer configured are left out: nothing can reach their server.
 */
export async function holdingsByServer(
  store: Store,
  config: EngineConfig,
  pageSize = HOLDS_PAGE,
): Promise<ServerHoldings[]> {
  const byUrl = new Map<string, ServerHoldings>();
  const targets = new Map<string, ServerHoldings | undefined>();
  const of = (imageId: string): ServerHoldings | undefined => {
    if (targets.has(imageId)) return targets.get(imageId);
    let h: ServerHoldings | undefined;
    try {
      const target = imageTarget(config, imageId);
      h = byUrl.get(target.url);
      if (!h) {
        h = { target, imageIds: [], states: [], copies: [], instanceCount: 0 };
        byUrl.set(target.url, h);
      }
      h.imageIds.push(imageId);
    } catch {
      h = undefined;
    }
    targets.set(imageId, h);
    return h;
  };
  for (let after: string | undefined, page = true; page; ) {
    const rows = store.stateHoldsPage({ after, limit: pageSize });
    for (const s of rows) of(s.image_id)?.states.push(s);
    after = rows.at(-1)?.state_id;
    page = rows.length === pageSize;
    if (page) await nextTurn();
  }
  for (const c of store.listPooled()) of(c.image_id)?.copies.push(c);
  for (const [imageId, n] of store.instanceCounts()) {
    const h = of(imageId);
    if (h) h.instanceCount += n;
  }
  for (const h of byUrl.values()) h.imageIds.sort();
  return [...byUrl.values()];
}

/**
 * Sizes a server's holdings with one query on the server, naming only the databases the
 * budget counts (its states and warm copies: instances and build databases are left out);
 * a server that does not answer gets the sizes the catalog recorded (a state's size when it
 * was published, a copy of a state its state's, a copy of a base 0).
 */
export async function measure(h: ServerHoldings, server: DbmsServer): Promise<ServerUsage> {
  let sizes: Map<string, number> | undefined;
  try {
    sizes = await server.sizes?.([
      ...h.states.map((s) => s.db_name),
      ...h.copies.map((c) => c.db_name),
    ]);
  } catch {
    sizes = undefined;
  }
  const recorded = new Map(h.states.map((s) => [s.db_name, s.size_bytes ?? 0]));
  const stateDb = new Map(h.states.map((s) => [s.state_id, s.db_name]));
  for (const c of h.copies) {
    const db = stateDb.get(c.state_id);
    recorded.set(c.db_name, db === undefined ? 0 : (recorded.get(db) ?? 0));
  }
  const sizeOf = (db: string) => sizes?.get(db) ?? recorded.get(db) ?? 0;
  let usageBytes = 0;
  for (const s of h.states) usageBytes += sizeOf(s.db_name);
  for (const c of h.copies) usageBytes += sizeOf(c.db_name);
  return { ...h, measured: sizes !== undefined, sizeOf, usageBytes };
}

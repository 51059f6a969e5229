// Fills a catalog through the store with rows shaped like an engine's after months of use, for
// bench/catalog-growth.ts: states in chains of ten (one script, then migrations on top), one
// instance per state on average spread over them, every tenth instance named.
import { randomHex } from '../lib/id.js';
import { openSqljsStore } from '../lib/store/sqljs/index.js';
import type { StoreWriter } from '../lib/store/types.js';

/**
 * The image of the filled rows. Not configured: the engine keeps its rows (reconciliation
 * leaves an image it cannot reach alone) without databases on a server, while every catalog
 * query, listing and write still reads past them.
 */
export const FILL_IMAGE = 'archive';

const BATCH = 5_000;

function fillBatch(
  w: StoreWriter,
  catalogId: string,
  from: number,
  rows: number,
  states: string[],
) {
  const at = new Date(Date.UTC(2026, 8, 1) + from * 60_000).toISOString();
  for (let i = from; i < from + rows; i++) {
    const stateId = randomHex(32);
    const parent = i % 10 === 0 ? null : (states[states.length - 1] as string);
    states.push(stateId);
    w.insertState({
      state_id: stateId,
      parent_state_id: parent,
      image_id: FILL_IMAGE,
      resolved_image_id: 'postgres@15.8/1',
      prepare_kind: 'psql',
      prepare_args_normalized: `-X -v ON_ERROR_STOP=1 -f /src/app/db/migrations/${String(i % 10).padStart(4, '0')}_schema.sql`,
      db_name: `sqlrs_${catalogId}_s_${stateId.slice(0, 40)}`,
      created_at: at,
      size_bytes: 8_000_000 + (i % 997) * 1_000,
      last_used_at: at,
    });
  }
  for (let i = from; i < from + rows; i++) {
    const instanceId = randomHex(16);
    const stateId = states[Math.floor(Math.random() * states.length)] as string;
    const db = `sqlrs_${catalogId}_i_${instanceId}`;
    w.insertInstance({
      instance_id: instanceId,
      image_id: FILL_IMAGE,
      state_id: stateId,
      db_name: db,
      dsn: `postgres://postgres@127.0.0.1:5432/${db}`,
      created_at: at,
      expires_at: null,
      last_used_at: at,
    });
    if (i % 10 === 0)
      w.putName({
        name: `ci-run-${i}`,
        instance_id: instanceId,
        image_id: FILL_IMAGE,
        state_id: stateId,
        created_at: at,
        last_used_at: at,
      });
  }
}

/** Writes `n` states and `n` instances into the catalog of `dir` (made if missing). */
export async function fillCatalog(dir: string, n: number): Promise<void> {
  const store = await openSqljsStore({ dir });
  const states: string[] = [];
  try {
    for (let from = 0; from < n; from += BATCH) {
      const rows = Math.min(BATCH, n - from);
      store.commit((w) => fillBatch(w, store.catalogId, from, rows, states));
    }
    await store.flush();
  } finally {
    await store.close();
  }
}

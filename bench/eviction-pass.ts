// The catalog cost of an eviction pass (docs/lifecycle.md) over 10,000 states: the catalog is
// read in one query per pass (states with their instance and child counts), then the pass
// works in memory. Timed as a dry run that would evict everything (budget 0 in effect), the
// server's sizes given, against a baseline in the same run: one listing read of the states
// table. The pass should stay within a small multiple of that one read.
// Run: npm run build && node dist/bench/eviction-pass.js   (SQLRS_BENCH_STATES=1000 for a quick look)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomHex } from '../lib/id.js';
import { holdingsByServer } from '../lib/lifecycle/usage.js';
import { Victims } from '../lib/lifecycle/victims.js';
import { openSqljsStore } from '../lib/store/sqljs/index.js';
import type { Store } from '../lib/store/types.js';
import { median, report } from './common.js';

const N = Number(process.env.SQLRS_BENCH_STATES ?? 10_000);
const REPS = Number(process.env.SQLRS_BENCH_N ?? 11);
/** A pass at most this many times one plain read of the states table. */
const TARGET = 5;

async function seed(store: Store): Promise<void> {
  // Chains of ten: a pass frees each parent once its child is gone (the walk iterates).
  const day = Date.parse('2026-01-01T00:00:00Z');
  await store.write((w) => {
    let parent: string | null = null;
    for (let i = 0; i < N; i++) {
      if (i % 10 === 0) parent = null;
      const id = randomHex(32);
      w.insertState({
        state_id: id,
        parent_state_id: parent,
        image_id: 'postgres',
        resolved_image_id: 'postgres@15/1',
        prepare_kind: 'psql',
        prepare_args_normalized: `-c select ${i}`,
        db_name: `sqlrs_00000000_s_${id.slice(0, 40)}`,
        created_at: new Date(day + i * 1000).toISOString(),
        size_bytes: 7_000_000,
        last_used_at: null,
      });
      parent = id;
    }
  });
}

/** One dry pass: what the engine's pass reads from the catalog and walks, server answer given. */
async function pass(store: Store, queries: { n: number }): Promise<number> {
  const before = queries.n;
  const [h] = await holdingsByServer(store, {}, N + 1);
  if (!h) return 0;
  const victims = new Victims(h.states, { now: Date.now(), minAgeMs: 0, sizeOf: () => 7_000_000 });
  let evicted = 0;
  for (let s = victims.next(() => false); s; s = victims.next(() => false)) {
    victims.gone(s);
    evicted++;
  }
  if (queries.n - before !== 1) throw new Error(`${queries.n - before} state queries in a pass`);
  return evicted;
}

const dir = mkdtempSync(join(tmpdir(), 'sqlrs-bench-evict-'));
try {
  const store = await openSqljsStore({ dir });
  await seed(store);
  const queries = { n: 0 };
  const holds = store.stateHoldsPage.bind(store);
  (store as { stateHoldsPage: Store['stateHoldsPage'] }).stateHoldsPage = (page) => {
    queries.n++;
    return holds(page);
  };
  const base: number[] = [];
  const measured: number[] = [];
  let evicted = 0;
  for (let r = 0; r < REPS; r++) {
    let t0 = performance.now();
    const rows = store.listStates({}, { limit: N }).length;
    base.push(performance.now() - t0);
    if (rows !== N) throw new Error(`listed ${rows} of ${N} states`);
    t0 = performance.now();
    evicted = await pass(store, queries);
    measured.push(performance.now() - t0);
  }
  if (evicted !== N) throw new Error(`a pass freed ${evicted} of ${N} states`);
  console.log(`eviction pass over ${N} states: one catalog query per pass, ${evicted} evictable`);
  report(`eviction pass (${N} states)`, median(base), median(measured), TARGET);
  await store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}

// The shared catalog (docs/scaling.md) against the embedded one as the catalog grows: for each
// catalog kind with 1,000 and 100,000 states (and as many instances, every tenth named; filled
// as bench/catalog-growth-fill.ts does, then copied into PostgreSQL with `sqlrs catalog copy`'s
// code), measured in one run: engine start-up (the shared catalog's replica loads every row),
// peak RSS, a store write on its own (one touchState), a cold one-step prepare and a warm-pool
// cache hit through the API. Baseline in the same run: a raw CREATE DATABASE ... TEMPLATE of the
// same state on a held connection, interleaved with the hits.
// Run: npm run build && node dist/bench/catalog-shared.js   (SQLRS_BENCH_SIZES=1000,10000 for a quick look)
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { randomHex } from '../lib/id.js';
import { copyRows, rowsToCopy } from '../lib/store/copy-catalog.js';
import { openPostgresStore } from '../lib/store/postgres/index.js';
import { openSqljsStore } from '../lib/store/sqljs/index.js';
import type { Store } from '../lib/store/types.js';
import { fillCatalog } from './catalog-growth-fill.js';
import {
  BENCH_PG,
  type BenchEngine,
  dropAll,
  instanceDbOf,
  interleavedHits,
  median,
  prepareViaApi,
  ratioText,
  sleep,
  startEngine,
  stateDbOf,
  timedHit,
} from './common.js';

const SIZES = (process.env.SQLRS_BENCH_SIZES ?? '1000,100000').split(',').map(Number);
const HITS = Number(process.env.SQLRS_BENCH_N ?? 15);
const WARMUP = 5;
const COLD = 5;
const WRITES = 20;
const PAUSE_MS = 300;
/** Rows per write when seeding the shared catalog (the CLI's copy writes 1,000). */
const SEED_BATCH = 5000;

type Kind = 'embedded' | 'shared';

interface Figures {
  kind: Kind;
  rows: number;
  startMs: number;
  rssMiB: number;
  writeMs: number;
  coldMs: number;
  hitMs: number;
  rawMs: number;
}

/**
 * One admin statement (or dropAll) on a connection of its own: other work on the machine's
 * server may end idle connections, which must not end the run.
 */
async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: BENCH_PG });
  c.on('error', () => undefined);
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => undefined);
  }
}

function peakRss(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

/** A write of one call, as a hit's bookkeeping makes: the median of WRITES. */
async function writeCost(store: Store): Promise<number> {
  const id = store.stateHoldsPage({ limit: 1 })[0]?.state_id as string;
  const times: number[] = [];
  for (let i = 0; i < WRITES; i++) {
    const t0 = performance.now();
    await store.write((w) => w.touchState(id, new Date().toISOString()));
    times.push(performance.now() - t0);
  }
  return median(times);
}

async function coldPrepares(e: BenchEngine, made: string[]): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < COLD; i++) {
    await sleep(PAUSE_MS);
    const t0 = performance.now();
    const result = await prepareViaApi(e, {
      prepare_kind: 'psql',
      psql_args: ['-c', `create table cold_${process.pid}_${Date.now()}_${i}(id int primary key)`],
    });
    times.push(performance.now() - t0);
    made.push(instanceDbOf(result), stateDbOf(result));
  }
  return median(times);
}

async function engineFigures(
  kind: Kind,
  rows: number,
  writeMs: number,
  config: Record<string, unknown>,
  dir: string | undefined,
  made: string[],
): Promise<Figures> {
  const t0 = performance.now();
  const e = await startEngine(config, undefined, dir, {}, 300_000);
  const startMs = performance.now() - t0;
  const raw = new pg.Client({ connectionString: BENCH_PG });
  raw.on('error', () => undefined);
  await raw.connect();
  try {
    // The catalog just filled (and, shared, copied into PostgreSQL) left dirty pages: the first
    // CREATE DATABASE would pay their checkpoint. Written out first, the cold prepares measure
    // the engine, not the fill.
    await raw.query('CHECKPOINT');
    const coldMs = await coldPrepares(e, made);
    const first = (await timedHit(e, made)).result;
    made.push(stateDbOf(first));
    const { hitMs, rawMs } = await interleavedHits(e, raw, stateDbOf(first), made, {
      n: HITS,
      warmup: WARMUP,
      pauseMs: PAUSE_MS,
    });
    return { kind, rows, startMs, rssMiB: peakRss(e.pid), writeMs, coldMs, hitMs, rawMs };
  } finally {
    await raw.end();
    await e.stop();
  }
}

/**
 * One size: an embedded catalog filled, copied into a shared catalog of its own (a fresh
 * catalog id, so the two engines' databases never share names), then each measured.
 */
async function measure(rows: number, made: string[]): Promise<Figures[]> {
  const dir = await mkdtemp(join(tmpdir(), 'sqlrs-bench-shared-'));
  const t0 = performance.now();
  await fillCatalog(dir, rows);
  const fillMs = performance.now() - t0;
  const db = `sqlrs_bench_cat_${randomHex(4)}`;
  await admin((c) => c.query(`CREATE DATABASE ${db}`));
  const url = new URL(BENCH_PG);
  url.pathname = `/${db}`;
  const source = await openSqljsStore({ dir });
  const { items } = rowsToCopy(source);
  const embeddedWriteMs = await writeCost(source);
  await source.close();
  const t1 = performance.now();
  const target = await openPostgresStore({ url: url.href });
  await copyRows(target, items, { batch: SEED_BATCH });
  const copyMs = performance.now() - t1;
  const sharedWriteMs = await writeCost(target);
  await target.close();
  // After a bulk load, as an operator would after `sqlrs catalog copy`: left to autovacuum,
  // the analyze of the fresh rows runs during the measured prepares.
  const settle = new pg.Client({ connectionString: url.href });
  await settle.connect();
  await settle.query('VACUUM (ANALYZE)').finally(() => settle.end());
  const t2 = performance.now();
  const replica = await openPostgresStore({ url: url.href });
  const openMs = performance.now() - t2;
  await replica.close();
  console.log(
    `${rows} states: filled the embedded catalog in ${(fillMs / 1000).toFixed(1)} s, copied ${items.length} rows into PostgreSQL in ${(copyMs / 1000).toFixed(1)} s (${SEED_BATCH} per write), opened the shared catalog in-process in ${openMs.toFixed(0)} ms`,
  );
  try {
    return [
      await engineFigures('embedded', rows, embeddedWriteMs, {}, dir, made),
      await engineFigures('shared', rows, sharedWriteMs, { catalog: url.href }, undefined, made),
    ];
  } finally {
    await admin((c) => c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`));
  }
}

const verdict = (ok: boolean) => (ok ? 'meets' : 'MISSES');

function print(all: Figures[]) {
  for (const f of all) {
    console.log(
      `${f.kind} catalog, ${f.rows} states + ${f.rows} instances: start-up ${f.startMs.toFixed(0)} ms, peak RSS ${f.rssMiB.toFixed(0)} MiB, one write ${f.writeMs.toFixed(2)} ms, cold one-step prepare ${f.coldMs.toFixed(1)} ms, warm-pool hit ${f.hitMs.toFixed(2)} ms, raw clone ${f.rawMs.toFixed(2)} ms (hit/raw ${ratioText(f.hitMs / f.rawMs, 0.3)}x)`,
    );
  }
  const small = Math.min(...SIZES);
  const big = Math.max(...SIZES);
  const at = (kind: Kind, rows: number) =>
    all.find((f) => f.kind === kind && f.rows === rows) as Figures;
  console.log(`growth ${big}/${small} states:`);
  for (const kind of ['shared', 'embedded'] as const) {
    const hit = at(kind, big).hitMs / at(kind, small).hitMs;
    const cold = at(kind, big).coldMs / at(kind, small).coldMs;
    const raw = at(kind, big).rawMs / at(kind, small).rawMs;
    // The target is the shared catalog's, per request of both kinds; the embedded catalog's
    // growth is printed beside it.
    const target = (r: number) =>
      kind === 'shared' ? ` (target <= 1.2x: ${verdict(r <= 1.2)})` : '';
    console.log(
      `  ${kind}: hit ${ratioText(hit, 1.2)}x${target(hit)}, cold prepare ${ratioText(cold, 1.2)}x${target(cold)}, raw clone beside them ${raw.toFixed(2)}x`,
    );
  }
  const shared = at('shared', big);
  const embedded = at('embedded', big);
  console.log(
    `  shared vs embedded at ${big}: hit ${(shared.hitMs / embedded.hitMs).toFixed(2)}x, cold ${(shared.coldMs / embedded.coldMs).toFixed(2)}x, write ${(shared.writeMs / embedded.writeMs).toFixed(2)}x, start-up ${(shared.startMs / embedded.startMs).toFixed(2)}x`,
  );
}

async function main() {
  const made: string[] = [];
  try {
    const all: Figures[] = [];
    for (const rows of SIZES) all.push(...(await measure(rows, made)));
    print(all);
  } finally {
    await admin((c) => dropAll(c, made));
  }
}

await main();

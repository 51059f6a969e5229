// Cache-hit prepare through the API (POST, then the events stream to the result), with a pause
// between requests as in a test suite, against a raw CREATE DATABASE ... TEMPLATE of the same
// state on an open connection, measured in the same run.
// Run: npm run build && node dist/bench/prepare-hit.js
import pg from 'pg';
import {
  BENCH_PG,
  dropAll,
  interleavedHits,
  report,
  startEngine,
  stateDbOf,
  timedHit,
} from './common.js';

const N = Number(process.env.SQLRS_BENCH_N ?? 25);
const WARMUP = Number(process.env.SQLRS_BENCH_WARMUP ?? 15);
const PAUSE_MS = 300;

/**
 * Median of N cache-hit prepares through the API and of N raw clones, interleaved, after WARMUP
 * of each that are not counted. A PostgreSQL backend's first dozen clones are up to twice as
 * slow (it faults in the shared buffers it copies through; docs/performance.md): the raw
 * clones get a connection of their own, opened with the engine, and both sides are measured
 * warm, as in a test suite that has run for a while.
 */
async function measure(config: Record<string, unknown>, made: string[]) {
  const e = await startEngine(config);
  const raw = new pg.Client({ connectionString: BENCH_PG });
  await raw.connect();
  try {
    // This engine's copy of the state: an engine of an earlier measure() built one too (same
    // script, another catalog), and the baseline must clone what the hits do.
    const stateDb = stateDbOf((await timedHit(e, made)).result);
    const { hitMs, rawMs } = await interleavedHits(e, raw, stateDb, made, {
      n: N,
      warmup: WARMUP,
      pauseMs: PAUSE_MS,
    });
    return { raw: rawMs, api: hitMs };
  } finally {
    await raw.end();
    await e.stop();
  }
}

async function main() {
  const admin = new pg.Client({ connectionString: BENCH_PG });
  await admin.connect();
  const made: string[] = [];
  try {
    const pooled = await measure({}, made);
    report('cache-hit prepare via API, warm pool', pooled.raw, pooled.api, 0.3);
    const plain = await measure({ warm_pool: { per_state: 0 } }, made);
    report('cache-hit prepare via API, no pool', plain.raw, plain.api, 1.2);
    // The ratio moves with how fast the server clones that hour; what the engine adds to the
    // clone is the steadier figure to compare across runs.
    console.log(`  the engine's own part: ${(plain.api - plain.raw).toFixed(2)} ms over the clone`);
  } finally {
    await dropAll(admin, made);
    await admin.end();
  }
}

await main();

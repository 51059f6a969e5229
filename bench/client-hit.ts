// Cache-hit prepare through the JS client (`Sqlrs.prepare`, then `release()` as a test does
// when it ends), warm pool on, against a raw CREATE DATABASE ... TEMPLATE of the same state on
// an open connection, measured in the same run.
// Run: npm run build && node dist/bench/client-hit.js
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { Sqlrs } from '../lib/client/index.js';
import {
  BENCH_PG,
  dropAll,
  HIT_REQUEST,
  median,
  report,
  sleep,
  startEngine,
  stateDbOf,
  timedRawClone,
} from './common.js';

const N = Number(process.env.SQLRS_BENCH_N ?? 25);
const WARMUP = Number(process.env.SQLRS_BENCH_WARMUP ?? 15);
const PAUSE_MS = 300;

/**
 * Median of N client hits and of N raw clones, interleaved, after WARMUP of each that are not
 * counted (a backend's first clones are slower, docs/performance.md). Each hit's instance is
 * released before the next: the release is timed apart, as it is not part of handing out.
 */
async function main() {
  const e = await startEngine({});
  const client = await Sqlrs.connect({ stateDir: e.stateDir });
  const raw = new pg.Client({ connectionString: BENCH_PG });
  await raw.connect();
  const made: string[] = [];
  const spec = { psql: HIT_REQUEST.psql_args };
  try {
    const first = await client.prepare(spec);
    made.push(new URL(first.dsn).pathname.slice(1));
    const stateDb = stateDbOf({
      dsn: first.dsn,
      instance_id: first.instanceId,
      state_id: first.stateId,
    });
    await first.release();
    const hits: number[] = [];
    const releases: number[] = [];
    const rawMs: number[] = [];
    for (let i = -WARMUP; i < N; i++) {
      await sleep(PAUSE_MS);
      const t0 = performance.now();
      const db = await client.prepare(spec);
      const t1 = performance.now();
      await db.release();
      const t2 = performance.now();
      if (i >= 0) {
        hits.push(t1 - t0);
        releases.push(t2 - t1);
      }
      await sleep(PAUSE_MS);
      const rawClone = await timedRawClone(raw, stateDb, made);
      if (i >= 0) rawMs.push(rawClone);
    }
    report('cache-hit prepare via the JS client, warm pool', median(rawMs), median(hits), 0.3);
    console.log(`  release() afterwards: median ${median(releases).toFixed(2)} ms`);
  } finally {
    await client.close();
    await raw.end();
    await e.stop();
    const admin = new pg.Client({ connectionString: BENCH_PG });
    await admin.connect();
    await dropAll(admin, made);
    await admin.end();
  }
}

await main();

// Cache-hit prepare through the API (POST, then the events stream to the result), with a pause
// between requests as in a test suite, against a raw CREATE DATABASE ... TEMPLATE of the same
// state on an open connection, measured in the same run.
// Run: npm run build && node dist/bench/prepare-hit.js
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { dropAll, median, prepareViaApi, report, sleep, startEngine } from './common.js';

const ADMIN = process.env.SQLRS_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const N = Number(process.env.SQLRS_BENCH_N ?? 25);
const WARMUP = Number(process.env.SQLRS_BENCH_WARMUP ?? 15);
const PAUSE_MS = 300;
const SCHEMA = [
  '-c',
  'create table t(id int primary key, v text); insert into t select g, md5(g::text) from generate_series(1, 20000) g',
];

/**
 * Median of N cache-hit prepares through the API and of N raw clones, interleaved, after WARMUP
 * of each that are not counted. A PostgreSQL backend's first dozen clones are up to twice as
 * slow (it faults in the shared buffers it copies through; docs/performance.md): the raw
 * clones get a connection of their own, opened with the engine, and both sides are measured
 * warm, as in a test suite that has run for a while.
 */
async function measure(admin: pg.Client, config: Record<string, unknown>, made: string[]) {
  const e = await startEngine(config);
  const raw = new pg.Client({ connectionString: ADMIN });
  await raw.connect();
  try {
    const first = await prepareViaApi(e, { prepare_kind: 'psql', psql_args: SCHEMA });
    const instanceDb = new URL(first.dsn).pathname.slice(1);
    made.push(instanceDb);
    // This engine's copy of the state: a state id alone also matches the copy an engine of an
    // earlier measure() built (same script, another name prefix), and the baseline would clone
    // another database than the hits do.
    const { rows } = await admin.query('SELECT datname FROM pg_database WHERE datname = $1', [
      `${instanceDb.slice(0, 15)}s_${first.state_id.slice(0, 40)}`,
    ]);
    const stateDb = rows[0]?.datname as string;
    const api: number[] = [];
    const rawMs: number[] = [];
    for (let i = -WARMUP; i < N; i++) {
      await sleep(PAUSE_MS);
      let t0 = performance.now();
      const r = await prepareViaApi(e, { prepare_kind: 'psql', psql_args: SCHEMA });
      if (i >= 0) api.push(performance.now() - t0);
      made.push(new URL(r.dsn).pathname.slice(1));
      await sleep(PAUSE_MS);
      const name = `bench_raw_${process.pid}_${made.length}`;
      t0 = performance.now();
      await raw.query(`CREATE DATABASE "${name}" TEMPLATE "${stateDb}"`);
      if (i >= 0) rawMs.push(performance.now() - t0);
      made.push(name);
    }
    return { raw: median(rawMs), api: median(api) };
  } finally {
    await raw.end();
    await e.stop();
  }
}

async function main() {
  const admin = new pg.Client({ connectionString: ADMIN });
  await admin.connect();
  const made: string[] = [];
  try {
    const pooled = await measure(admin, {}, made);
    report('cache-hit prepare via API, warm pool', pooled.raw, pooled.api, 0.3);
    const plain = await measure(admin, { warm_pool: { per_state: 0 } }, made);
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

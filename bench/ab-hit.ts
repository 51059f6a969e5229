// Two builds of the engine compared on cache hits: the A/B runs docs/performance.md measures
// changes by. Their engines take turns (which goes first alternates), 300 ms apart, with a raw
// clone of the state after each pair; N counted after WARMUP. The server's clone speed moves
// from minute to minute by more than most changes save, and both engines see the same minutes.
// Not part of `npm run bench`: it needs a second build.
// Run: npm run build && node dist/bench/ab-hit.js <checkout A> <checkout B> ['<config JSON>']
// A checkout is a directory with a built engine (bin/sqlrs-engine.js and dist/): a worktree
// after `npm ci`, say. The config (e.g. '{"warm_pool":{"per_state":0}}') goes to both engines.
import { resolve } from 'node:path';
import pg from 'pg';
import {
  BENCH_PG,
  type BenchEngine,
  dropAll,
  median,
  sleep,
  startEngine,
  stateDbOf,
  timedHit,
  timedRawClone,
} from './common.js';

const N = Number(process.env.SQLRS_BENCH_N ?? 30);
const WARMUP = Number(process.env.SQLRS_BENCH_WARMUP ?? 10);
const PAUSE_MS = 300;

function usage(): never {
  console.error('usage: node dist/bench/ab-hit.js <checkout A> <checkout B> [config JSON]');
  process.exit(2);
}

async function main() {
  const [dirA, dirB, configText = '{}'] = process.argv.slice(2);
  if (!dirA || !dirB) usage();
  const config = JSON.parse(configText) as Record<string, unknown>;
  const bin = (dir: string) => resolve(dir, 'bin', 'sqlrs-engine.js');
  const admin = new pg.Client({ connectionString: BENCH_PG });
  await admin.connect();
  const raw = new pg.Client({ connectionString: BENCH_PG });
  await raw.connect();
  const engines: BenchEngine[] = [];
  const made: string[] = [];
  try {
    // One at a time, so that A is stopped (finally) when B cannot start.
    for (const dir of [dirA, dirB]) engines.push(await startEngine(config, bin(dir)));
    const stateDb = stateDbOf((await timedHit(engines[0] as BenchEngine, made)).result);
    await timedHit(engines[1] as BenchEngine, made);
    const ms: [number[], number[]] = [[], []];
    const rawMs: number[] = [];
    for (let i = -WARMUP; i < N; i++) {
      for (const side of i % 2 === 0 ? [0, 1] : [1, 0]) {
        await sleep(PAUSE_MS);
        const { ms: took } = await timedHit(engines[side] as BenchEngine, made);
        if (i >= 0) ms[side]?.push(took);
      }
      await sleep(PAUSE_MS);
      const rawClone = await timedRawClone(raw, stateDb, made);
      if (i >= 0) rawMs.push(rawClone);
    }
    const [a, b, r] = [median(ms[0]), median(ms[1]), median(rawMs)];
    const x = (v: number) => `${v.toFixed(2)} ms (${(v / r).toFixed(3)}x)`;
    console.log(
      `cache hits, ${N} each, config ${configText}: raw clone ${r.toFixed(2)} ms, A ${x(a)}, B ${x(b)}, B - A ${(b - a).toFixed(2)} ms`,
    );
  } finally {
    await Promise.all(engines.map((e) => e.stop()));
    await raw.end();
    await dropAll(admin, made);
    await admin.end();
  }
}

await main();

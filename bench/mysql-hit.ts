// Cache-hit prepare of a MySQL/MariaDB state through the API with the warm pool, against the
// same hit with the pool off (a schema clone per hit), measured in the same run, 300 ms apart.
// Reported, with no target: MySQL copies are schema clones, slower than Postgres's.
// Run: npm run build && node dist/bench/mysql-hit.js
import { performance } from 'node:perf_hooks';
import { type BenchEngine, median, prepareViaApi, sleep, startEngine } from './common.js';
import { dropMysqlCatalogs } from './mysql-common.js';

const N = Number(process.env.SQLRS_BENCH_N ?? 15);
const WARMUP = 5;
const SEED = [
  '-e',
  'create table t(id int primary key, v text); insert into t select seq, md5(seq) from seq_1_to_20000',
];

/** Median of N hits after WARMUP uncounted ones; the schemas made are added to `made`. */
async function hits(e: BenchEngine, made: string[]): Promise<number> {
  const ms: number[] = [];
  for (let i = -WARMUP; i < N; i++) {
    await sleep(300);
    const t0 = performance.now();
    const r = await prepareViaApi(e, { prepare_kind: 'mysql', mysql_args: SEED });
    if (i >= 0) ms.push(performance.now() - t0);
    made.push(new URL(r.dsn).pathname.slice(1));
  }
  return median(ms);
}

async function main() {
  const made: string[] = [];
  const measured: Record<string, number> = {};
  try {
    for (const [label, config] of [
      ['no pool', { warm_pool: { per_state: 0 } }],
      ['warm pool', {}],
    ] as const) {
      const e = await startEngine(config);
      try {
        measured[label] = await hits(e, made);
      } finally {
        await e.stop();
      }
    }
  } finally {
    await dropMysqlCatalogs(made);
  }
  const [base, warm] = [measured['no pool'] as number, measured['warm pool'] as number];
  console.log(
    `MySQL cache-hit prepare via API, warm pool vs no pool: baseline ${base.toFixed(2)} ms, measured ${warm.toFixed(2)} ms, ratio ${(warm / base).toFixed(2)}x (reported)`,
  );
}

await main();

// Cold prepare of a three-step script through the API, against doing it by hand in the same
// run: CREATE DATABASE from template0, psql per step, one clone for a private copy. A pause
// before each measurement (as between the edits of a script) keeps the engine's background
// refills out of both figures.
// Run: npm run build && node dist/bench/prepare-cold.js
import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { dropAll, median, prepareViaApi, report, sleep, startEngine } from './common.js';

const ADMIN = process.env.SQLRS_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const N = Number(process.env.SQLRS_BENCH_N ?? 9);
const PAUSE_MS = 300;
const steps = (i: number) => [
  `create table t${i}(id int primary key, v text)`,
  `insert into t${i} select g, md5(g::text) from generate_series(1, 5000) g`,
  `create index on t${i}(v)`,
];

async function main() {
  const e = await startEngine();
  const admin = new pg.Client({ connectionString: ADMIN });
  await admin.connect();
  const made: string[] = [];
  const api: number[] = [];
  const hand: number[] = [];
  try {
    for (let i = 0; i < N; i++) {
      await sleep(PAUSE_MS);
      let t0 = performance.now();
      const r = await prepareViaApi(e, {
        prepare_kind: 'psql',
        psql_args: steps(i).flatMap((s) => ['-c', s]),
      });
      api.push(performance.now() - t0);
      made.push(new URL(r.dsn).pathname.slice(1));
      const base = `bench_hand_${process.pid}_${i}`;
      await sleep(PAUSE_MS);
      t0 = performance.now();
      await admin.query(`CREATE DATABASE "${base}" TEMPLATE template0`);
      for (const s of steps(i))
        execFileSync('psql', [
          '-X',
          '-q',
          '-v',
          'ON_ERROR_STOP=1',
          '-h',
          '127.0.0.1',
          '-U',
          'postgres',
          '-d',
          base,
          '-c',
          s,
        ]);
      await admin.query(`CREATE DATABASE "${base}_copy" TEMPLATE "${base}"`);
      hand.push(performance.now() - t0);
      made.push(base, `${base}_copy`);
    }
    report('cold three-step prepare via API vs by hand', median(hand), median(api), 1.4);
  } finally {
    await e.stop();
    await dropAll(admin, made);
    await admin.end();
  }
}

await main();

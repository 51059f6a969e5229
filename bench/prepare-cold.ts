// Cold prepare of a three-step script through the API, against doing it by hand in the same
// run: createdb, psql per step, one clone (createdb -T) for a private copy, the baseline of
// docs/performance.md; also printed against a stricter hand-made run that clones on an open
// connection (no createdb start-up). A pause
// before each measurement (as between the edits of a script) keeps the engine's background
// refills out of both figures.
// Run: npm run build && node dist/bench/prepare-cold.js
import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { BENCH_PG, dropAll, median, prepareViaApi, report, sleep, startEngine } from './common.js';

const N = Number(process.env.SQLRS_BENCH_N ?? 9);
const PAUSE_MS = 300;
const steps = (i: number) => [
  `create table t${i}(id int primary key, v text)`,
  `insert into t${i} select g, md5(g::text) from generate_series(1, 5000) g`,
  `create index on t${i}(v)`,
];

const CONN = ['-h', '127.0.0.1', '-U', 'postgres'];
const psql = (db: string, sql: string) =>
  execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', ...CONN, '-d', db, '-c', sql]);

/** The baseline: what a person types (createdb, psql per step, createdb -T). */
function byHandWithTools(db: string, sql: string[]) {
  execFileSync('createdb', [...CONN, db]);
  for (const s of sql) psql(db, s);
  execFileSync('createdb', [...CONN, '-T', db, `${db}_copy`]);
}

/** A stricter baseline: both clones on an already open connection, no tool start-up. */
async function byHandOnConnection(admin: pg.Client, db: string, sql: string[]) {
  await admin.query(`CREATE DATABASE "${db}" TEMPLATE template0`);
  for (const s of sql) psql(db, s);
  await admin.query(`CREATE DATABASE "${db}_copy" TEMPLATE "${db}"`);
}

async function timed(fn: () => unknown): Promise<number> {
  await sleep(PAUSE_MS);
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function main() {
  const e = await startEngine();
  const admin = new pg.Client({ connectionString: BENCH_PG });
  await admin.connect();
  const made: string[] = [];
  const api: number[] = [];
  const tools: number[] = [];
  const conn: number[] = [];
  try {
    for (let i = 0; i < N; i++) {
      const body = { prepare_kind: 'psql', psql_args: steps(i).flatMap((s) => ['-c', s]) };
      api.push(
        await timed(async () => {
          made.push(new URL((await prepareViaApi(e, body)).dsn).pathname.slice(1));
        }),
      );
      const db = `bench_hand_${process.pid}_${i}`;
      made.push(db, `${db}_copy`, `${db}_c`, `${db}_c_copy`);
      tools.push(await timed(() => byHandWithTools(db, steps(i))));
      conn.push(await timed(() => byHandOnConnection(admin, `${db}_c`, steps(i))));
    }
    report(
      'cold three-step prepare via API vs by hand (createdb, psql per step, createdb -T)',
      median(tools),
      median(api),
      1.4,
    );
    const strict = median(api) / median(conn);
    console.log(
      `  stricter baseline, both clones on an open connection: ${median(conn).toFixed(2)} ms, ratio ${strict.toFixed(2)}x (for reference)`,
    );
  } finally {
    await e.stop();
    await dropAll(admin, made);
    await admin.end();
  }
}

await main();

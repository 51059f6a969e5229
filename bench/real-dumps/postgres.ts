// A real-sized pg_dump script through the engine against psql by hand, in one run: the script
// (bench/real-dumps/pg-dump-script.ts: settings, schema, COPY blocks of 5 MB and 50 MB, then
// indexes and constraints) loaded with `psql -X -q -v ON_ERROR_STOP=1 -f file` into a fresh
// database, against a cold prepare of `-f file` through the API (hash, build, hand-out).
// Each engine run is cold: a fresh engine and state dir. Target <= 1.2x (docs/performance.md).
// Run: npm run build && node dist/bench/real-dumps/postgres.js
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { BENCH_PG, dropAll, median, prepareViaApi, report, sleep, startEngine } from '../common.js';
import { writeDumpScript } from './pg-dump-script.js';

const MB = 2 ** 20;
const N = Number(process.env.SQLRS_BENCH_N ?? 3);
const TARGET = 1.2;
const CONN = ['-h', '127.0.0.1', '-U', 'postgres'];

async function byHand(admin: pg.Client, db: string, file: string): Promise<number> {
  const t0 = performance.now();
  await admin.query(`CREATE DATABASE "${db}" TEMPLATE template0`);
  execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', ...CONN, '-d', db, '-f', file]);
  return performance.now() - t0;
}

async function viaEngine(file: string, made: string[]): Promise<number> {
  const e = await startEngine();
  try {
    await sleep(300); // the engine's start-up work is not the prepare's
    const t0 = performance.now();
    const result = await prepareViaApi(e, { prepare_kind: 'psql', psql_args: ['-f', file] });
    const ms = performance.now() - t0;
    made.push(new URL(result.dsn).pathname.slice(1));
    return ms;
  } finally {
    await e.stop();
    await rm(e.stateDir, { recursive: true, force: true });
  }
}

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'sqlrs-real-dump-'));
  const admin = new pg.Client({ connectionString: BENCH_PG });
  await admin.connect();
  const made: string[] = [];
  try {
    for (const sizes of [[5 * MB], [5 * MB, 50 * MB]]) {
      const label = sizes.map((s) => `${s / MB} MB`).join(' + ');
      const dump = await writeDumpScript(join(dir, `dump-${sizes.length}.sql`), sizes);
      const hand: number[] = [];
      const api: number[] = [];
      for (let i = 0; i < N; i++) {
        const db = `bench_dump_${process.pid}_${sizes.length}_${i}`;
        made.push(db);
        hand.push(await byHand(admin, db, dump.path));
        api.push(await viaEngine(dump.path, made));
        await dropAll(admin, made.splice(0));
      }
      report(
        `pg_dump-style script (${(dump.bytes / MB).toFixed(1)} MB, COPY blocks ${label}): cold prepare via API vs psql -f by hand`,
        median(hand),
        median(api),
        TARGET,
      );
    }
  } finally {
    await dropAll(admin, made);
    await admin.end();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();

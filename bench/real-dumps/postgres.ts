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
import {
  BENCH_PG,
  type BenchEvent,
  dropAll,
  median,
  prepareWithEvents,
  report,
  sleep,
  startEngine,
} from '../common.js';
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

/**
 * Where a cold prepare's time went: milestones in ms after the POST was sent, from the job's
 * events (the engine's clock; the bench's wall clock for the POST and its 202).
 */
function milestones(postedAt: number, acceptedAt: number, events: BenchEvent[]) {
  const at = (e: BenchEvent) => Date.parse(e.ts) - postedAt;
  const marks: Array<[string, number]> = [['202 accepted (hashed)', acceptedAt - postedAt]];
  for (const e of events) {
    const label = milestone(e);
    if (label) marks.push([label, at(e)]);
  }
  // The first of each (a task's status can be said again).
  return marks.filter(([label], i) => marks.findIndex(([l]) => l === label) === i);
}

function milestone(e: BenchEvent): string | undefined {
  const task = `${e.task_id?.replace(/-\d+$/, '')}:${e.status}`;
  if (e.type === 'status' && e.status === 'running') return 'job running';
  if (e.type === 'log' && e.message?.startsWith('building ')) return 'build db ready';
  if (e.type === 'result') return 'result';
  if (e.type !== 'task') return undefined;
  return {
    'plan:succeeded': 'planned',
    'execute:running': 'step running',
    'execute:succeeded': 'step built (psql, publish, flush)',
    'prepare-instance:running': 'instance started',
  }[task];
}

async function viaEngine(file: string, made: string[], phases: Array<Array<[string, number]>>) {
  const e = await startEngine();
  try {
    await sleep(300); // the engine's start-up work is not the prepare's
    const t0 = performance.now();
    const run = await prepareWithEvents(e, { prepare_kind: 'psql', psql_args: ['-f', file] });
    const ms = performance.now() - t0;
    made.push(new URL(run.result.dsn).pathname.slice(1));
    phases.push(milestones(run.postedAt, run.acceptedAt, run.events));
    return ms;
  } finally {
    await e.stop();
    await rm(e.stateDir, { recursive: true, force: true });
  }
}

/** The median of each milestone over the runs, in the order of the first run. */
function printPhases(runs: Array<Array<[string, number]>>, handMs: number) {
  const labels = (runs[0] ?? []).map(([label]) => label);
  let prev = 0;
  for (const label of labels) {
    const ms = median(runs.map((r) => r.find(([l]) => l === label)?.[1] ?? Number.NaN));
    console.log(
      `  ${label.padEnd(36)} at ${ms.toFixed(0).padStart(5)} ms (+${(ms - prev).toFixed(0)})`,
    );
    prev = ms;
  }
  console.log(`  ${'psql -f by hand (whole)'.padEnd(36)}    ${handMs.toFixed(0).padStart(5)} ms`);
}

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'sqlrs-real-dump-'));
  const admin = new pg.Client({ connectionString: BENCH_PG });
  await admin.connect();
  const made: string[] = [];
  try {
    // SQLRS_BENCH_DUMPS=small runs the 5 MB script only.
    const all = [[5 * MB], [5 * MB, 50 * MB]];
    for (const sizes of process.env.SQLRS_BENCH_DUMPS === 'small' ? all.slice(0, 1) : all) {
      const label = sizes.map((s) => `${s / MB} MB`).join(' + ');
      const dump = await writeDumpScript(join(dir, `dump-${sizes.length}.sql`), sizes);
      const hand: number[] = [];
      const api: number[] = [];
      const phases: Array<Array<[string, number]>> = [];
      for (let i = 0; i < N; i++) {
        const db = `bench_dump_${process.pid}_${sizes.length}_${i}`;
        made.push(db);
        hand.push(await byHand(admin, db, dump.path));
        api.push(await viaEngine(dump.path, made, phases));
        await dropAll(admin, made.splice(0));
      }
      report(
        `pg_dump-style script (${(dump.bytes / MB).toFixed(1)} MB, COPY blocks ${label}): cold prepare via API vs psql -f by hand`,
        median(hand),
        median(api),
        TARGET,
      );
      printPhases(phases, median(hand));
    }
  } finally {
    await dropAll(admin, made);
    await admin.end();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();

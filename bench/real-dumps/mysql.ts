// A cold MySQL prepare of a realistic dump (a sakila-like schema: 20 tables with foreign keys,
// views, routines under DELIMITER, triggers and data; mysql-schema.ts) through the engine's API,
// against the mysql client loading the same file by hand, in the same run.
// Run: npm run build && node dist/bench/real-dumps/mysql.js
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import mysql from 'mysql2/promise';
import { request } from 'undici';
import { randomHex } from '../../lib/id.js';
import { type BenchEngine, median, report, sleep, startEngine } from '../common.js';
import { dropMysqlCatalogs, MYSQL_URL } from '../mysql-common.js';
import { sakilaLikeSchema } from './mysql-schema.js';

const CLIENT = process.env.SQLRS_BENCH_MYSQL_CLIENT ?? 'mariadb';
const N = Number(process.env.SQLRS_BENCH_N ?? 7);
const ROWS = Number(process.env.SQLRS_BENCH_ROWS ?? 200);
const TARGET = 2;

/** `mariadb -h H -P P -u U db < file`, timed from spawn to exit. */
async function byHand(file: string, db: string): Promise<number> {
  const u = new URL(MYSQL_URL);
  const args = ['-h', u.hostname, '-P', u.port || '3306', '-u', decodeURIComponent(u.username)];
  const env = { ...process.env, MYSQL_PWD: decodeURIComponent(u.password) };
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(CLIENT, [...args, db], { stdio: ['pipe', 'ignore', 'pipe'], env });
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
    });
    createReadStream(file).pipe(child.stdin);
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${CLIENT} exited ${code}: ${err}`)),
    );
  });
  return performance.now() - t0;
}

const PHASES = [
  'accept',
  'plan',
  'build db',
  'statements',
  'publish',
  'instance',
  'result',
] as const;
/** Where a cold prepare's time went (ms), from its job events' timestamps. */
type Phases = Record<(typeof PHASES)[number], number>;
type JobEvent = { type: string; ts: string; task_id?: string; status?: string; message?: string };

/**
 * The phases of one job from its events: until the job starts (accept and hash), the plan
 * (records and the server's answer), the build schema made, its statements run, the publish
 * (with the catalog's flush), the instance's copy, and the result's way to the client.
 */
function phases(t0: number, t1: number, events: JobEvent[]): Phases {
  const at = (e?: JobEvent) => (e ? Date.parse(e.ts) : Number.NaN);
  const task = (id: (t: string) => boolean, status: string) =>
    at(events.find((e) => e.type === 'task' && id(e.task_id ?? '') && e.status === status));
  const isStep = (t: string) => !['plan', 'prepare-instance', 'resolve-image'].includes(t);
  const first = at(events[0]);
  const stepRunning = task(isStep, 'running');
  const building = at(events.find((e) => e.type === 'log' && e.message?.startsWith('building ')));
  const ran = at(events.filter((e) => e.type === 'log').at(-1));
  const stepDone = task(isStep, 'succeeded');
  const made = task((t) => t === 'prepare-instance', 'succeeded');
  return {
    accept: first - t0,
    plan: stepRunning - first,
    'build db': building - stepRunning,
    statements: ran - building,
    publish: stepDone - ran,
    instance: made - stepDone,
    result: t1 - made,
  };
}

/**
 * A cold prepare of `file` through the API (POST, events to the result), timed, with its
 * phases; `Date.now()` is the engine's clock too (the same machine).
 */
async function byEngine(
  e: BenchEngine,
  file: string,
  made: string[],
): Promise<{ ms: number; phases: Phases }> {
  const auth = { authorization: `Bearer ${e.token}` };
  const wall = Date.now();
  const t0 = performance.now();
  const res = await request(`http://${e.endpoint}/v1/prepare-jobs`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({ prepare_kind: 'mysql', mysql_args: [file] }),
  });
  const { job_id } = (await res.body.json()) as { job_id: string };
  const stream = await request(`http://${e.endpoint}/v1/prepare-jobs/${job_id}/events`, {
    headers: auth,
  });
  const events = (await stream.body.text())
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as JobEvent & { result?: { dsn: string } });
  const ms = performance.now() - t0;
  const last = events.at(-1);
  if (last?.type !== 'result' || !last.result)
    throw new Error(`job failed: ${JSON.stringify(last)}`);
  made.push(new URL(last.result.dsn).pathname.slice(1));
  return { ms, phases: phases(wall, wall + ms, events) };
}

/** Medians of N interleaved rounds; every round's file differs, so every prepare is cold. */
async function rounds(e: BenchEngine, dir: string, admin: mysql.Connection) {
  const hand: string[] = [];
  const made: string[] = [];
  const ms = { hand: [] as number[], engine: [] as number[] };
  const parts: Phases[] = [];
  const schema = sakilaLikeSchema(ROWS);
  try {
    for (let i = -1; i < N; i++) {
      const file = join(dir, `sakila-${i + 1}.sql`);
      await writeFile(file, `SET @bench_round = '${randomHex(8)}';\n${schema}`);
      const db = `bench_hand_${process.pid}_${i + 1}`;
      hand.push(db);
      await admin.query(`CREATE DATABASE \`${db}\``);
      await sleep(300);
      const h = await byHand(file, db);
      await sleep(300);
      const g = await byEngine(e, file, made);
      // The first round of each is uncounted: it warms the server's caches and the engine.
      if (i >= 0) {
        ms.hand.push(h);
        ms.engine.push(g.ms);
        parts.push(g.phases);
      }
    }
  } finally {
    for (const db of hand) await admin.query(`DROP DATABASE IF EXISTS \`${db}\``);
    await dropMysqlCatalogs(made);
  }
  const phaseMedians = PHASES.map((p) => `${p} ${median(parts.map((x) => x[p])).toFixed(0)}`);
  return { hand: median(ms.hand), engine: median(ms.engine), phases: phaseMedians.join(', ') };
}

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'sqlrs-bench-dump-'));
  const admin = await mysql.createConnection({ uri: MYSQL_URL });
  try {
    for (const [label, config] of [
      ['admin', {}],
      ['restricted', { build_role: 'restricted', host_files: true }],
    ] as const) {
      const e = await startEngine(config);
      try {
        const m = await rounds(e, dir, admin);
        report(
          `MySQL cold prepare of a sakila-like dump vs ${CLIENT} < file (${label})`,
          m.hand,
          m.engine,
          TARGET,
        );
        console.log(`  engine phases, medians (ms): ${m.phases}`);
      } finally {
        await e.stop();
      }
    }
  } finally {
    await admin.end();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();

import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';

export const median = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function report(name: string, baselineMs: number, measuredMs: number, target: number) {
  const ratio = measuredMs / baselineMs;
  const verdict = ratio <= target ? 'meets' : 'MISSES';
  console.log(
    `${name}: baseline ${baselineMs.toFixed(2)} ms, measured ${measuredMs.toFixed(2)} ms, ratio ${ratioText(ratio, target)}x (target <= ${target}x: ${verdict})`,
  );
}

/** Two decimals, or three where two would round it onto its target (0.303 or 0.295 as "0.30"). */
export function ratioText(ratio: number, target: number): string {
  const two = ratio.toFixed(2);
  return Number(two) === target && ratio !== target ? ratio.toFixed(3) : two;
}

export interface BenchEngine {
  endpoint: string;
  token: string;
  stateDir: string;
  pid: number;
  stop(): Promise<void>;
}

/** This checkout's engine binary. */
export const ENGINE_BIN = fileURLToPath(new URL('../../bin/sqlrs-engine.js', import.meta.url));

/**
 * Starts the real engine binary (this checkout's, or another build's) in a fresh state dir, or
 * in `dir` (a catalog filled ahead), waiting up to `waitMs` for its engine.json (a shared
 * catalog of 100,000 states takes tens of seconds to load on a loaded machine).
 */
export async function startEngine(
  config?: Record<string, unknown>,
  bin = ENGINE_BIN,
  dir?: string,
  /** Node options and environment of the engine's process (a probe loaded into it, say). */
  node: { args?: string[]; env?: Record<string, string> } = {},
  /** How long the engine may take to start (a large shared catalog loads its replica). */
  waitMs = 20_000,
): Promise<BenchEngine> {
  const stateDir = dir ?? (await mkdtemp(join(tmpdir(), 'sqlrs-bench-')));
  if (config) await writeFile(join(stateDir, 'config.json'), JSON.stringify(config));
  const json = join(stateDir, 'engine.json');
  const child = spawn(
    process.execPath,
    [
      ...(node.args ?? []),
      bin,
      '--listen',
      '127.0.0.1:0',
      '--write-engine-json',
      json,
      '--idle-timeout',
      '0',
    ],
    { stdio: 'ignore', env: { ...process.env, ...node.env } },
  );
  // An engine that cannot start (a build without one, say) is reported at once, not waited on.
  let code: number | null | undefined;
  const exited = new Promise<void>((r) =>
    child.once('exit', (c) => {
      code = c;
      r();
    }),
  );
  for (const end = Date.now() + waitMs; Date.now() < end && code === undefined; ) {
    const info = await readFile(json, 'utf8').then(JSON.parse, () => undefined);
    if (info) {
      return {
        endpoint: info.endpoint,
        token: info.authToken,
        stateDir,
        pid: child.pid as number,
        stop: async () => {
          child.kill('SIGTERM');
          await exited;
        },
      };
    }
    await sleep(5);
  }
  child.kill();
  throw new Error(
    code === undefined
      ? 'engine did not start'
      : `engine ${bin} exited (${code}) before it started`,
  );
}

/** The server the benches administer (and make their baselines on). */
export const BENCH_PG = process.env.SQLRS_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** The cache-hit benches' prepare: a state of a 9 MB table of 20,000 rows. */
export const HIT_REQUEST = {
  prepare_kind: 'psql',
  psql_args: [
    '-c',
    'create table t(id int primary key, v text); insert into t select g, md5(g::text) from generate_series(1, 20000) g',
  ],
};

export type PrepareResult = { dsn: string; instance_id: string; state_id: string };

/** The instance database a result names. */
export const instanceDbOf = (r: PrepareResult) => new URL(r.dsn).pathname.slice(1);

/**
 * The state database behind a result, of the catalog that made it: a state id alone also
 * matches the copy another engine's catalog built of the same script.
 */
export const stateDbOf = (r: PrepareResult) =>
  `${instanceDbOf(r).slice(0, 15)}s_${r.state_id.slice(0, 40)}`;

/** A cache hit of HIT_REQUEST through the API, timed; its instance database goes to `made`. */
export async function timedHit(e: BenchEngine, made: string[]) {
  const t0 = performance.now();
  const result = await prepareViaApi(e, HIT_REQUEST);
  const ms = performance.now() - t0;
  made.push(instanceDbOf(result));
  return { ms, result };
}

/**
 * The hit benches' baseline: a raw `CREATE DATABASE ... TEMPLATE` of the state on an open
 * connection, timed; the copy goes to `made`.
 */
export async function timedRawClone(
  client: { query: (sql: string) => Promise<unknown> },
  stateDb: string,
  made: string[],
): Promise<number> {
  const name = `bench_raw_${process.pid}_${made.length}`;
  const t0 = performance.now();
  await client.query(`CREATE DATABASE "${name}" TEMPLATE "${stateDb}"`);
  const ms = performance.now() - t0;
  made.push(name);
  return ms;
}

/** POST a prepare and follow its events to the result: what a client of the API does. */
export async function prepareViaApi(e: BenchEngine, body: unknown): Promise<PrepareResult> {
  return (await prepareWithEvents(e, body)).result;
}

/** A job event as the events stream sends it (`ts` by the engine's clock). */
export type BenchEvent = {
  type: string;
  ts: string;
  task_id?: string;
  status?: string;
  message?: string;
};

/**
 * prepareViaApi, with the job's events and when (wall clock, ms since the epoch) the POST was
 * sent and its 202 came back: what a per-phase breakdown of a prepare is made from.
 */
export async function prepareWithEvents(e: BenchEngine, body: unknown) {
  const auth = { authorization: `Bearer ${e.token}` };
  const postedAt = Date.now();
  const res = await request(`http://${e.endpoint}/v1/prepare-jobs`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify(body),
  });
  const { job_id } = (await res.body.json()) as { job_id: string };
  const acceptedAt = Date.now();
  const events = await request(`http://${e.endpoint}/v1/prepare-jobs/${job_id}/events`, {
    headers: auth,
  });
  const text = await events.body.text();
  const all = text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as BenchEvent & { result?: PrepareResult });
  const last = all.at(-1);
  if (last?.type !== 'result' || !last.result) throw new Error(`job failed: ${text.slice(-500)}`);
  return { result: last.result, events: all, postedAt, acceptedAt };
}

/** Drops the databases a bench made, and every database of the catalogs they belong to. */
export async function dropAll(
  admin: { query: (sql: string, p?: unknown[]) => Promise<{ rows: Array<{ datname: string }> }> },
  made: string[],
) {
  const catalogs = new Set(made.map((d) => /^sqlrs_([0-9a-f]{8})_/.exec(d)?.[1]).filter(Boolean));
  const { rows } = await admin.query(
    'SELECT datname FROM pg_database WHERE datname = ANY($1::text[]) OR left(datname, 15) = ANY($2::text[])',
    [made, [...catalogs].map((c) => `sqlrs_${c}_`)],
  );
  for (const { datname } of rows) {
    await admin.query(`ALTER DATABASE "${datname}" WITH IS_TEMPLATE false`).catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`).catch(() => undefined);
  }
}

/**
 * Warm hits through the API interleaved with raw clones of the same state on `raw`, PAUSE_MS
 * apart, after `warmup` uncounted of each (a backend's first clones are slower,
 * docs/performance.md): the medians of both sides.
 */
export async function interleavedHits(
  e: BenchEngine,
  raw: { query: (sql: string) => Promise<unknown> },
  stateDb: string,
  made: string[],
  opts: { n: number; warmup: number; pauseMs: number },
): Promise<{ hitMs: number; rawMs: number }> {
  const api: number[] = [];
  const rawMs: number[] = [];
  for (let i = -opts.warmup; i < opts.n; i++) {
    await sleep(opts.pauseMs);
    const { ms } = await timedHit(e, made);
    if (i >= 0) api.push(ms);
    await sleep(opts.pauseMs);
    const clone = await timedRawClone(raw, stateDb, made);
    if (i >= 0) rawMs.push(clone);
  }
  return { hitMs: median(api), rawMs: median(rawMs) };
}

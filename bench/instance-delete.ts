// Releasing an instance through the API (DELETE /v1/instances/{id}), plain and with an open
// session and `force`, against a raw `DROP DATABASE` of a copy of the same state on a held
// connection, measured in the same run; and the pair a test fixture pays (a cache-hit prepare,
// then its DELETE) against a raw `CREATE DATABASE x TEMPLATE s` then `DROP DATABASE x`. Each
// database lives 300 ms before it goes, as a test's does, and requests are 300 ms apart; a
// DELETE sent at once after its hit is reported too. Then the same for MySQL.
// Run: npm run build && node dist/bench/instance-delete.js
import { performance } from 'node:perf_hooks';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { request } from 'undici';
import {
  BENCH_PG,
  type BenchEngine,
  dropAll,
  HIT_REQUEST,
  instanceDbOf,
  median,
  type PrepareResult,
  prepareViaApi,
  report,
  sleep,
  startEngine,
  stateDbOf,
} from './common.js';
import { dropMysqlCatalogs, MYSQL_URL } from './mysql-common.js';

const N = Number(process.env.SQLRS_BENCH_N ?? 11);
const WARMUP = Number(process.env.SQLRS_BENCH_WARMUP ?? 3);
/**
 * How long each database lives before it goes, and the pause between requests
 * (`SQLRS_BENCH_LIFE_MS`: a warm pool's refill that is still running slows a delete).
 */
const LIFE_MS = Number(process.env.SQLRS_BENCH_LIFE_MS ?? 300);
const MYSQL_HIT = {
  prepare_kind: 'mysql',
  mysql_args: [
    '-e',
    'create table t(id int primary key, v text); insert into t select seq, md5(seq) from seq_1_to_20000',
  ],
};

const timed = async (fn: () => Promise<unknown>) => {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
};

/** DELETE /v1/instances/{id}, timed; fails unless the engine answers 200 `deleted`. */
async function timedDelete(e: BenchEngine, id: string, force: boolean): Promise<number> {
  const t0 = performance.now();
  const res = await request(
    `http://${e.endpoint}/v1/instances/${id}${force ? '?force=true' : ''}`,
    { method: 'DELETE', headers: { authorization: `Bearer ${e.token}` } },
  );
  const body = (await res.body.json()) as { outcome?: string };
  const ms = performance.now() - t0;
  if (res.statusCode !== 200 || body.outcome !== 'deleted')
    throw new Error(`delete of ${id} answered ${res.statusCode} ${JSON.stringify(body)}`);
  return ms;
}

/** A hit through the API, timed, its database noted in `made`. */
async function hit(e: BenchEngine, body: unknown, made: string[]) {
  const t0 = performance.now();
  const result = await prepareViaApi(e, body);
  made.push(instanceDbOf(result));
  return { result, ms: performance.now() - t0 };
}

type Sample = Record<string, number>;

/** Medians of N rounds after WARMUP uncounted ones. */
async function rounds(run: () => Promise<Sample>): Promise<Sample> {
  const samples: Sample[] = [];
  for (let i = -WARMUP; i < N; i++) {
    const s = await run();
    if (i >= 0) samples.push(s);
  }
  const keys = Object.keys(samples[0] as Sample);
  return Object.fromEntries(keys.map((k) => [k, median(samples.map((s) => s[k] as number))]));
}

/** A session on a PostgreSQL database, as a test holds one (conntrack counts it). */
async function pgSession(dsn: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: dsn, application_name: 'bench-session' });
  c.on('error', () => undefined); // a forced drop ends it
  await c.connect();
  await c.query('SELECT 1');
  return c;
}

/**
 * Buffers the server's checkpoints wrote while `fn` ran: every DROP DATABASE forces a
 * checkpoint, and what it has to write out (pages others left dirty, files not yet synced) is
 * most of what a drop costs.
 */
async function checkpointed(raw: pg.Client, fn: () => Promise<number>) {
  const written = async () =>
    Number((await raw.query('SELECT buffers_checkpoint AS b FROM pg_stat_bgwriter')).rows[0].b);
  const before = await written();
  const ms = await fn();
  return { ms, buffers: (await written()) - before };
}

/** One PostgreSQL round: raw pair, raw forced drop, hit + DELETE, hit + forced DELETE, at once. */
async function pgRound(e: BenchEngine, raw: pg.Client, stateDb: string, made: string[]) {
  const s: Sample = {};
  const name = `bench_del_${process.pid}_${made.length}`;
  made.push(name);
  await sleep(LIFE_MS);
  s.rawCreate = await timed(() => raw.query(`CREATE DATABASE "${name}" TEMPLATE "${stateDb}"`));
  await sleep(LIFE_MS);
  const rawDrop = await checkpointed(raw, () => timed(() => raw.query(`DROP DATABASE "${name}"`)));
  s.rawDrop = rawDrop.ms;
  s.rawDropBuffers = rawDrop.buffers;

  await sleep(LIFE_MS);
  await raw.query(`CREATE DATABASE "${name}" TEMPLATE "${stateDb}"`);
  const url = new URL(BENCH_PG);
  url.pathname = `/${name}`;
  const held = await pgSession(url.toString());
  await sleep(LIFE_MS);
  s.rawForced = await timed(() => raw.query(`DROP DATABASE "${name}" WITH (FORCE)`));
  await held.end().catch(() => undefined);

  await sleep(LIFE_MS);
  const plain = await hit(e, HIT_REQUEST, made);
  if (stateDbOf(plain.result) !== stateDb) throw new Error('the hit came from another state');
  s.hit = plain.ms;
  await sleep(LIFE_MS);
  const del = await checkpointed(raw, () => timedDelete(e, plain.result.instance_id, false));
  s.apiDelete = del.ms;
  s.apiDeleteBuffers = del.buffers;

  await sleep(LIFE_MS);
  const forced = await hit(e, HIT_REQUEST, made);
  const session = await pgSession(forced.result.dsn);
  await sleep(LIFE_MS);
  s.apiForced = await timedDelete(e, forced.result.instance_id, true);
  await session.end().catch(() => undefined);

  await sleep(LIFE_MS);
  const atOnce = await hit(e, HIT_REQUEST, made);
  s.apiAtOnce = await timedDelete(e, atOnce.result.instance_id, false);
  return s;
}

async function measurePg(config: Record<string, unknown>, made: string[]) {
  const e = await startEngine(config);
  const raw = new pg.Client({ connectionString: BENCH_PG });
  await raw.connect();
  try {
    const stateDb = stateDbOf((await hit(e, HIT_REQUEST, made)).result);
    return await rounds(() => pgRound(e, raw, stateDb, made));
  } finally {
    await raw.end();
    await e.stop();
  }
}

/** One MySQL round: a copy by hand and its drop, hit + DELETE, hit + session + forced DELETE. */
async function mysqlRound(e: BenchEngine, raw: mysql.Connection, state: string, made: string[]) {
  const s: Sample = {};
  const name = `bench_del_${process.pid}_${made.length}`;
  await sleep(LIFE_MS);
  await raw.query(`CREATE DATABASE \`${name}\``);
  await raw.query(`CREATE TABLE \`${name}\`.t LIKE \`${state}\`.t`);
  await raw.query(`INSERT INTO \`${name}\`.t SELECT * FROM \`${state}\`.t`);
  await sleep(LIFE_MS);
  s.rawDrop = await timed(() => raw.query(`DROP DATABASE \`${name}\``));

  await sleep(LIFE_MS);
  const plain = await hit(e, MYSQL_HIT, made);
  await sleep(LIFE_MS);
  s.apiDelete = await timedDelete(e, plain.result.instance_id, false);

  await sleep(LIFE_MS);
  const forced = await hit(e, MYSQL_HIT, made);
  const session = await mysql.createConnection({ uri: forced.result.dsn });
  session.on('error', () => undefined);
  await session.query('SELECT 1');
  await sleep(LIFE_MS);
  s.apiForced = await timedDelete(e, forced.result.instance_id, true);
  session.destroy();
  return s;
}

/** The state schema behind a MySQL hit (the instance's copy of its table is read by hand). */
async function mysqlStateOf(raw: mysql.Connection, r: PrepareResult): Promise<string> {
  const prefix = instanceDbOf(r).slice(0, 15);
  const [rows] = await raw.query(
    'SELECT SCHEMA_NAME AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ?',
    [`${prefix}s\\_%`],
  );
  const states = rows as Array<{ n: string }>;
  if (states.length !== 1) throw new Error(`expected one state schema, found ${states.length}`);
  return (states[0] as { n: string }).n;
}

async function measureMysql(made: string[]) {
  const e = await startEngine({});
  const raw = await mysql.createConnection({ uri: MYSQL_URL });
  try {
    const state = await mysqlStateOf(raw, (await hit(e, MYSQL_HIT, made)).result);
    return await rounds(() => mysqlRound(e, raw, state, made));
  } finally {
    await raw.end();
    await e.stop();
  }
}

function printPg(label: string, m: Sample) {
  console.log(`PostgreSQL, ${label}:`);
  report('  DELETE vs raw DROP DATABASE', m.rawDrop as number, m.apiDelete as number, 1.5);
  report('  forced DELETE, a session open', m.rawDrop as number, m.apiForced as number, 2);
  const pair = (m.rawCreate as number) + (m.rawDrop as number);
  report(
    '  hit + DELETE vs raw CREATE ... TEMPLATE + DROP',
    pair,
    (m.hit ?? 0) + (m.apiDelete ?? 0),
    1.5,
  );
  console.log(
    `  for reference: raw DROP ... WITH (FORCE), a session open ${m.rawForced?.toFixed(2)} ms; DELETE at once after its hit ${m.apiAtOnce?.toFixed(2)} ms`,
  );
  console.log(
    `  buffers the forced checkpoints wrote (median): during a raw DROP ${m.rawDropBuffers}, during a DELETE ${m.apiDeleteBuffers}`,
  );
}

async function main() {
  const admin = new pg.Client({ connectionString: BENCH_PG });
  await admin.connect();
  const made: string[] = [];
  try {
    printPg('warm pool', await measurePg({}, made));
    printPg('no pool', await measurePg({ warm_pool: { per_state: 0 } }, made));
    // Pool copies made as requested clones are (WAL_LOG): what the pool's FILE_COPY saves.
    if (process.env.SQLRS_BENCH_WAL_LOG_POOL)
      printPg(
        'warm pool, clone_strategy wal_log',
        await measurePg({ clone_strategy: 'wal_log' }, made),
      );
  } finally {
    await dropAll(admin, made);
    await admin.end();
  }
  const mysqlMade: string[] = [];
  try {
    const m = await measureMysql(mysqlMade);
    console.log('MySQL, warm pool:');
    report('  DELETE vs raw DROP DATABASE', m.rawDrop as number, m.apiDelete as number, 1.5);
    report('  forced DELETE, a session open', m.rawDrop as number, m.apiForced as number, 2);
  } finally {
    await dropMysqlCatalogs(mysqlMade);
  }
}

await main();

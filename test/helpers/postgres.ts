import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Test } from 'tap';
import { dbNames } from '../../lib/dbms/names.js';
import { PostgresServer } from '../../lib/dbms/postgres/server.js';
import { newCatalogId } from '../../lib/id.js';
import { until } from './until.js';

/** The local PostgreSQL server as its admin (trust auth, user postgres). */
export const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** A name no other test run uses, for roles and databases a test makes itself. */
export const uniqueName = (prefix: string) => `${prefix}_${randomBytes(4).toString('hex')}`;

export async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** One statement on a connection of its own. */
export async function query<T extends pg.QueryResultRow = Record<string, unknown>>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  return withClient(url, async (c) => (await c.query<T>(sql, params)).rows);
}

/** A connected client the test holds, ended at test end (its errors are the test's to read). */
export async function holdClient(
  t: Test,
  url = ADMIN_URL,
  options: pg.ClientConfig = {},
): Promise<pg.Client> {
  const client = new pg.Client({ ...options, connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  t.teardown(() => client.end().catch(() => undefined));
  return client;
}

/** The error a connection and query give, or 'ok'. */
export async function outcome(url: string, sql = 'select 1'): Promise<string> {
  const c = new pg.Client({ connectionString: url });
  c.on('error', () => undefined);
  try {
    await c.connect();
    await c.query(sql);
    return 'ok';
  } catch (err) {
    const e = err as { message: string; detail?: string };
    return e.detail ? `${e.message}: ${e.detail}` : e.message;
  } finally {
    await c.end().catch(() => undefined);
  }
}

export async function databaseExists(name: string, url = ADMIN_URL): Promise<boolean> {
  return (await query(url, 'SELECT 1 FROM pg_database WHERE datname = $1', [name])).length > 0;
}

export async function roleExists(name: string, url = ADMIN_URL): Promise<boolean> {
  return (await query(url, 'SELECT 1 FROM pg_roles WHERE rolname = $1', [name])).length > 0;
}

/** The engine's databases of one catalog on a server (the local one unless told). */
export async function catalogDatabases(catalogId: string, url = ADMIN_URL): Promise<string[]> {
  const rows = await query<{ datname: string }>(
    url,
    'SELECT datname FROM pg_database WHERE starts_with(datname, $1) ORDER BY datname',
    [`sqlrs_${catalogId}_`],
  );
  return rows.map((r) => r.datname);
}

/** The roles of one catalog (build_role restricted): logins first, then the build role. */
export async function catalogRoles(catalogId: string): Promise<string[]> {
  const rows = await query<{ rolname: string }>(
    ADMIN_URL,
    `SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1)
      ORDER BY rolname LIKE '%_build', rolname`,
    [`sqlrs_${catalogId}_`],
  );
  return rows.map((r) => r.rolname);
}

/** Test clean-up: drops the databases, then the roles, of a catalog on the local server. */
export async function dropPostgresCatalog(catalogId: string): Promise<void> {
  if (!/^[0-9a-f]{8}$/.test(catalogId)) throw new Error('bad catalog id');
  for (const db of await catalogDatabases(catalogId)) {
    await query(ADMIN_URL, `ALTER DATABASE "${db}" WITH IS_TEMPLATE false`).catch(() => undefined);
    await query(ADMIN_URL, `DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
  }
  for (const role of await catalogRoles(catalogId))
    await query(ADMIN_URL, `DROP ROLE IF EXISTS "${role}"`);
}

/** A PostgresServer on a catalog of its own, closed and its databases dropped at test end. */
export function pgServer(t: Test) {
  const catalog = newCatalogId();
  const names = dbNames(catalog);
  const server = new PostgresServer(ADMIN_URL);
  t.teardown(async () => {
    await server.close();
    await dropPostgresCatalog(catalog);
  });
  return { catalog, names, server };
}

/** The server pids of the sessions whose query is LIKE `pattern` (other than the asker's). */
export async function backendsRunning(pattern: string, url = ADMIN_URL): Promise<number[]> {
  const rows = await query<{ pid: number }>(
    url,
    'SELECT pid FROM pg_stat_activity WHERE query LIKE $1 AND pid <> pg_backend_pid()',
    [pattern],
  );
  return rows.map((r) => r.pid);
}

/** Waits until a session runs a query LIKE `pattern`. */
export const whenRunning = (pattern: string, url = ADMIN_URL) =>
  until(async () => (await backendsRunning(pattern, url)).length > 0, `a query like ${pattern}`);

/** Ends these server sessions (pg_terminate_backend). */
export async function terminateBackends(pids: number[]): Promise<void> {
  await query(ADMIN_URL, 'SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) pid', [pids]);
}

/** The number of sessions on a database. */
export async function sessionsOn(db: string): Promise<number> {
  const rows = await query<{ n: string }>(
    ADMIN_URL,
    'SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1',
    [db],
  );
  return Number(rows[0]?.n ?? 0);
}

/** The server pids of the sessions that carry this application name. */
export async function sessionPids(applicationName: string): Promise<number[]> {
  const rows = await query<{ pid: number }>(
    ADMIN_URL,
    'SELECT pid FROM pg_stat_activity WHERE application_name = $1',
    [applicationName],
  );
  return rows.map((r) => r.pid);
}

/** A real psql session held open on a database (it waits on stdin), closed at test end. */
export async function holdPsqlSession(t: Test, dsn: string): Promise<ChildProcess> {
  const child = spawn('psql', ['-X', dsn], { stdio: ['pipe', 'ignore', 'ignore'] });
  t.teardown(() => {
    child.stdin?.end();
    child.kill('SIGKILL');
  });
  const db = new URL(dsn).pathname.slice(1);
  await until(
    async () =>
      (
        await query(
          ADMIN_URL,
          "SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND application_name = 'psql'",
          [db],
        )
      ).length > 0,
    `psql connected to ${db}`,
  );
  return child;
}

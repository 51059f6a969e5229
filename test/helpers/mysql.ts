import mysql from 'mysql2/promise';
import type { Test } from 'tap';
import { until } from './until.js';

/** The local MariaDB server as its admin (root, no password). */
export const MYSQL_URL = 'mysql://root@127.0.0.1:3306/';

/** One statement on a connection of its own. */
export async function mysqlQuery<T = Record<string, unknown>>(
  sql: string,
  params: unknown[] = [],
  database?: string,
): Promise<T[]> {
  const conn = await mysql.createConnection({ uri: MYSQL_URL, database });
  try {
    const [rows] = await conn.query(sql, params);
    return rows as T[];
  } finally {
    await conn.end();
  }
}

/** A client session held open (as admin on a schema, or at `uri`), closed at test end. */
export async function holdMysqlSession(
  t: Test,
  database?: string,
  uri = MYSQL_URL,
): Promise<mysql.Connection> {
  const conn = await mysql.createConnection({ uri, database });
  conn.on('error', () => undefined);
  t.teardown(() => conn.end().catch(() => undefined));
  return conn;
}

/** The ids of the server threads whose running statement is LIKE `pattern` (on `db`, if given). */
export async function mysqlThreadsRunning(pattern: string, db?: string): Promise<number[]> {
  const rows = await mysqlQuery<{ id: number }>(
    `select id from information_schema.processlist where info like ?${db ? ' and db = ?' : ''}`,
    db ? [pattern, db] : [pattern],
  );
  return rows.map((r) => Number(r.id));
}

/** Once a statement LIKE `pattern` runs, the server closes its connection (a crash would). */
export async function killConnectionWhenRunning(pattern: string, db?: string): Promise<void> {
  let ids: number[] = [];
  await until(async () => {
    ids = await mysqlThreadsRunning(pattern, db);
    return ids.length > 0;
  }, pattern);
  await mysqlQuery(`KILL CONNECTION ${ids[0]}`);
}

/** Runs statements on a DSN; the first error's message, or 'ok'. */
export async function mysqlOutcome(dsn: string, ...statements: string[]): Promise<string> {
  let c: mysql.Connection | undefined;
  try {
    c = await mysql.createConnection({ uri: dsn });
    for (const s of statements) await c.query(s);
    return 'ok';
  } catch (err) {
    return (err as Error).message;
  } finally {
    await c?.end().catch(() => undefined);
  }
}

const checkCatalogId = (catalogId: string) => {
  if (!/^[0-9a-f]{8}$/.test(catalogId)) throw new Error('bad catalog id');
};

/** The engine's schemas of one catalog on the local server. */
export async function mysqlSchemas(catalogId: string): Promise<string[]> {
  const rows = await mysqlQuery<{ n: string }>(
    'SELECT SCHEMA_NAME AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ? ORDER BY n',
    [`sqlrs\\_${catalogId}\\_%`],
  );
  return rows.map((r) => r.n);
}

/** The MySQL accounts of one catalog (build_role restricted). */
export async function mysqlAccounts(catalogId: string): Promise<string[]> {
  checkCatalogId(catalogId);
  const rows = await mysqlQuery<{ u: string }>(
    "SELECT User AS u FROM mysql.user WHERE Host = '%' AND LEFT(User, 15) = ? ORDER BY u",
    [`sqlrs_${catalogId}_`],
  );
  return rows.map((r) => r.u);
}

/** Test clean-up: drops the schemas and accounts of a catalog (a server that is away is left). */
export async function dropMysqlCatalog(catalogId: string): Promise<void> {
  checkCatalogId(catalogId);
  for (const s of await mysqlSchemas(catalogId).catch(() => []))
    await mysqlQuery(`DROP DATABASE IF EXISTS \`${s}\``);
  for (const account of await mysqlAccounts(catalogId).catch(() => []))
    await mysqlQuery(`DROP USER IF EXISTS '${account}'@'%'`);
}

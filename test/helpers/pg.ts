import mysql from 'mysql2/promise';
import pg from 'pg';

export const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function query<T extends pg.QueryResultRow = Record<string, unknown>>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  return withClient(url, async (c) => (await c.query<T>(sql, params)).rows);
}

/** The engine's databases of one catalog on the local server. */
export async function catalogDatabases(catalogId: string): Promise<string[]> {
  const rows = await query<{ datname: string }>(
    ADMIN_URL,
    'SELECT datname FROM pg_database WHERE starts_with(datname, $1) ORDER BY datname',
    [`sqlrs_${catalogId}_`],
  );
  return rows.map((r) => r.datname);
}

/** Test clean-up: drops every database of a catalog (each test has its own catalog id). */
export async function dropCatalogDatabases(catalogId: string): Promise<void> {
  if (!/^[0-9a-f]{8}$/.test(catalogId)) throw new Error('bad catalog id');
  await dropMysqlSchemas(catalogId);
  for (const db of await catalogDatabases(catalogId)) {
    await query(ADMIN_URL, `ALTER DATABASE "${db}" WITH IS_TEMPLATE false`).catch(() => undefined);
    await query(ADMIN_URL, `DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
  }
  await dropCatalogRoles(catalogId);
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

async function dropCatalogRoles(catalogId: string): Promise<void> {
  for (const role of await catalogRoles(catalogId))
    await query(ADMIN_URL, `DROP ROLE IF EXISTS "${role}"`);
  for (const account of await mysqlAccounts(catalogId).catch(() => []))
    await mysqlQuery(`DROP USER IF EXISTS '${account}'@'%'`);
}

/** The MySQL accounts of one catalog (build_role restricted). */
export async function mysqlAccounts(catalogId: string): Promise<string[]> {
  if (!/^[0-9a-f]{8}$/.test(catalogId)) throw new Error('bad catalog id');
  const rows = await mysqlQuery<{ u: string }>(
    "SELECT User AS u FROM mysql.user WHERE Host = '%' AND LEFT(User, 15) = ? ORDER BY u",
    [`sqlrs_${catalogId}_`],
  );
  return rows.map((r) => r.u);
}

export const MYSQL_URL = 'mysql://root@127.0.0.1:3306/';

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

export async function mysqlSchemas(catalogId: string): Promise<string[]> {
  const rows = await mysqlQuery<{ n: string }>(
    'SELECT SCHEMA_NAME AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ? ORDER BY n',
    [`sqlrs\\_${catalogId}\\_%`],
  );
  return rows.map((r) => r.n);
}

async function dropMysqlSchemas(catalogId: string): Promise<void> {
  const schemas = await mysqlSchemas(catalogId).catch(() => []);
  for (const s of schemas) await mysqlQuery(`DROP DATABASE IF EXISTS \`${s}\``);
}

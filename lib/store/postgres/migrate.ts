import type pg from 'pg';
import { newCatalogId, randomHex } from '../../id.js';
import { migrationLockKey, PG_MIGRATIONS, PG_SCHEMA_VERSION, quotedSchema } from './schema.js';

/**
 * Creates the catalog's schema and migrates it forward, in one transaction that holds an
 * advisory lock of the schema's own: engines that start together wait for each other, and
 * only the first migrates (docs/scaling.md, Opening). A schema newer than this code is
 * refused. The first creation makes the catalog id and the lock secret, or takes `first`'s
 * (`sqlrs catalog copy` gives an embedded catalog's, docs/scaling.md).
 */
export async function migrateCatalog(
  client: pg.ClientBase,
  schema: string,
  server: string,
  first?: { catalogId: string; lockSecret: string },
): Promise<{ catalogId: string; lockSecret: string }> {
  const s = quotedSchema(schema);
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [migrationLockKey(schema)]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    const version = await versionOf(client, s, schema);
    if (version > PG_SCHEMA_VERSION) {
      throw new Error(
        `the catalog in schema ${schema} at ${server} is at schema version ${version}, newer than this engine's ${PG_SCHEMA_VERSION}; refusing to start`,
      );
    }
    for (let v = version; v < PG_SCHEMA_VERSION; v++)
      await client.query((PG_MIGRATIONS[v] as (s: string) => string)(s));
    if (version < PG_SCHEMA_VERSION) {
      await client.query(
        `INSERT INTO ${s}.meta VALUES ('schema_version', $1)
          ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
        [String(PG_SCHEMA_VERSION)],
      );
    }
    await client.query(
      `INSERT INTO ${s}.meta VALUES ('catalog_id', $1), ('lock_secret', $2)
        ON CONFLICT (key) DO NOTHING`,
      [first?.catalogId ?? newCatalogId(), first?.lockSecret ?? randomHex(32)],
    );
    const meta = await client.query<{ key: string; value: string }>(
      `SELECT key, value FROM ${s}.meta`,
    );
    await client.query('COMMIT');
    const value = (key: string) => meta.rows.find((r) => r.key === key)?.value ?? '';
    return { catalogId: value('catalog_id'), lockSecret: value('lock_secret') };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

async function versionOf(client: pg.ClientBase, s: string, schema: string): Promise<number> {
  const exists = await client.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [
    `${s}.meta`,
  ]);
  if (!exists.rows[0]?.t) return 0;
  const row = await client.query<{ value: string }>(
    `SELECT value FROM ${s}.meta WHERE key = 'schema_version'`,
  );
  const version = Number(row.rows[0]?.value ?? 0);
  if (!Number.isInteger(version)) throw new Error(`schema ${schema}: bad schema version`);
  return version;
}

import { sqlrsError } from '../../errors.js';
import { catalogError, newPool, serverOf } from './connection.js';
import { migrateCatalog } from './migrate.js';
import { quotedSchema } from './schema.js';

export interface CatalogIds {
  catalogId: string;
  lockSecret: string;
}

/**
 * Readies a shared catalog to receive an embedded catalog's rows (`sqlrs catalog copy`,
 * docs/scaling.md, "Moving an embedded catalog"): creates and migrates its schema, made with
 * the embedded catalog's id and lock secret when it is new. The copied rows name databases
 * `sqlrs_<catalog id>_...`, and an engine reconciles only its own catalog id's namespace
 * (docs/deletion.md): under another id it would take the copied states' databases for gone and
 * forget them. So a schema that already holds another catalog is refused, saying why; one
 * with the same id and secret (a copy run before) is taken as it is.
 */
export async function prepareCopyTarget(
  url: string,
  schema: string,
  source: CatalogIds,
): Promise<{ server: string; created: boolean }> {
  quotedSchema(schema); // a bad name is refused before any connection
  const server = serverOf(url);
  const pool = newPool(url);
  try {
    const client = await pool.connect().catch((err) => {
      throw catalogError(server, err);
    });
    try {
      const before = await client
        .query<{ t: string | null }>('SELECT to_regclass($1) AS t', [
          `${quotedSchema(schema)}.meta`,
        ])
        .catch((err) => {
          throw catalogError(server, err);
        });
      const ids = await migrateCatalog(client, schema, server, source).catch((err) => {
        throw catalogError(server, err);
      });
      if (ids.catalogId !== source.catalogId || ids.lockSecret !== source.lockSecret) {
        throw sqlrsError(
          'conflict',
          `schema ${schema} at ${server} holds another catalog (id ${ids.catalogId}, this state dir's is ${source.catalogId}); database names carry the catalog id, so its engines would take the copied states' databases for someone else's and forget them. Copy into a schema of its own (--schema), or into one no engine has used yet`,
        );
      }
      return { server, created: !before.rows[0]?.t };
    } finally {
      client.release();
    }
  } finally {
    await pool.end().catch(() => undefined);
  }
}

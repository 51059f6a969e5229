import { dropMysqlCatalog } from './mysql.js';
import { dropPostgresCatalog } from './postgres.js';

/** Test clean-up: drops every database, schema, role and account of a catalog on both servers. */
export async function dropCatalogDatabases(catalogId: string): Promise<void> {
  await dropMysqlCatalog(catalogId);
  await dropPostgresCatalog(catalogId);
}

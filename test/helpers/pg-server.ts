import type { Test } from 'tap';
import { dbNames } from '../../lib/dbms/names.js';
import { PostgresServer } from '../../lib/dbms/postgres/server.js';
import { newCatalogId } from '../../lib/id.js';
import { ADMIN_URL, dropCatalogDatabases } from './pg.js';

/** A PostgresServer on a catalog of its own, closed and its databases dropped at test end. */
export function pgServer(t: Test) {
  const catalog = newCatalogId();
  const names = dbNames(catalog);
  const server = new PostgresServer(ADMIN_URL, 'auto');
  t.teardown(async () => {
    await server.close();
    await dropCatalogDatabases(catalog);
  });
  return { catalog, names, server };
}

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import initSqlJs from 'sql.js';
import { catalogDatabases } from './postgres.js';

/**
 * The catalog id of a state dir, read from a copy of its catalog file: the engine that owns the
 * file may be running, and opening the store itself would touch its files.
 */
export async function catalogIdOf(stateDir: string): Promise<string> {
  const SQL = await initSqlJs();
  const db = new SQL.Database(await readFile(join(stateDir, 'state.db')));
  try {
    return String(db.exec("SELECT value FROM meta WHERE key = 'catalog_id'")[0]?.values[0]?.[0]);
  } finally {
    db.close();
  }
}

/** The instance databases (`sqlrs_<catalog>_i_...`, docs/catalog.md) of a catalog on the local server. */
export async function instanceDatabases(catalogId: string): Promise<string[]> {
  return (await catalogDatabases(catalogId)).filter((db) => db.startsWith(`sqlrs_${catalogId}_i_`));
}

import type { Test } from 'tap';
import { openPostgresStore } from '../../lib/store/postgres/index.js';
import type { Store } from '../../lib/store/types.js';
import { ADMIN_URL, query } from './postgres.js';
import { hex } from './rows.js';

/**
 * A database of the test's own for a shared catalog (`sqlrs_cat_<hex>`), dropped at test end
 * after every store opened through `open` is closed (their connections ended first).
 */
export async function pgCatalog(t: Test, now?: () => Date) {
  const db = `sqlrs_cat_${hex(6)}`;
  await query(ADMIN_URL, `CREATE DATABASE ${db}`);
  const url = `postgres://postgres@127.0.0.1:5432/${db}`;
  const stores: Store[] = [];
  const errors: string[] = [];
  t.teardown(async () => {
    for (const s of stores) await s.close().catch(() => undefined);
    await query(ADMIN_URL, `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  });
  const open = async (schema?: string) => {
    const store = await openPostgresStore({ url, schema, now, onError: (e) => errors.push(e) });
    stores.push(store);
    return store;
  };
  return { db, url, open, errors };
}

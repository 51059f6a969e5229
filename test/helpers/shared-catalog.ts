import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Test } from 'tap';
import { createFetchHandler, type FetchHandler } from '../../runtime/cloud/fetch.js';
import { engineCall, spawnEngine, waitForEngineJson } from './engine-process.js';
import { ADMIN_URL, dropPostgresCatalog, query } from './postgres.js';
import { hex } from './rows.js';
import { tempDir } from './tmp.js';

/**
 * A shared catalog database of the test's own (`sqlrs_cat_<hex>` on the local server). At test
 * end, after the engines started on it have stopped (tap runs teardowns last-in first-out, and
 * they are registered after this one), every database and role of its catalog id is dropped,
 * then the catalog database itself.
 */
export async function sharedCatalog(t: Test) {
  const db = `sqlrs_cat_${hex(6)}`;
  await query(ADMIN_URL, `CREATE DATABASE ${db}`);
  const url = `postgres://postgres@127.0.0.1:5432/${db}`;
  t.teardown(async () => {
    const id = await catalogIdOf(url).catch(() => undefined);
    if (id) await dropPostgresCatalog(id);
    await query(ADMIN_URL, `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  });
  return { db, url, catalogId: () => catalogIdOf(url) };
}

export type SharedCatalog = Awaited<ReturnType<typeof sharedCatalog>>;

async function catalogIdOf(url: string): Promise<string> {
  const rows = await query<{ value: string }>(
    url,
    "SELECT value FROM sqlrs_catalog.meta WHERE key = 'catalog_id'",
  );
  const id = rows[0]?.value;
  if (!id) throw new Error('no catalog id yet');
  return id;
}

/**
 * The engine binary on a state dir of its own, on the shared catalog: named in its config.json
 * (`via: 'config'`) or by SQLRS_CATALOG. No warm pool (fewer databases, less load on a small
 * machine). Stopped with SIGTERM at test end.
 */
export async function sharedEngineProcess(
  t: Test,
  cat: SharedCatalog,
  via: 'config' | 'env',
  extra: Record<string, unknown> = {},
) {
  const dir = await tempDir(t);
  const config: Record<string, unknown> = { warm_pool: { per_state: 0 }, ...extra };
  if (via === 'config') config.catalog = cat.url;
  await writeFile(join(dir, 'config.json'), JSON.stringify(config));
  const json = join(dir, 'engine.json');
  const e = spawnEngine(
    t,
    ['--listen', '127.0.0.1:0', '--write-engine-json', json, '--idle-timeout', '0'],
    via === 'env' ? { SQLRS_CATALOG: cat.url } : {},
  );
  t.teardown(async () => {
    if (e.child.exitCode === null && e.child.signalCode === null) e.child.kill('SIGTERM');
    await e.exit;
  });
  const info = await waitForEngineJson(json, e.child.pid, 60_000);
  return { ...e, dir, info, call: engineCall(info) };
}

/** A Fetch handler as a function instance holds it: its own state dir, the shared catalog. */
export async function sharedFetchHandler(
  t: Test,
  cat: SharedCatalog,
  token: string,
): Promise<FetchHandler & { stateDir: string }> {
  const stateDir = await tempDir(t);
  const handler = createFetchHandler({
    stateDir,
    authToken: token,
    config: { catalog: cat.url, warm_pool: { per_state: 0 } },
  });
  t.teardown(() => handler.close());
  await handler.engine();
  return Object.assign(handler, { stateDir });
}

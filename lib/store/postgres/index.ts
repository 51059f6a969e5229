import { loadSqlJs, MEMORY_PRAGMAS } from '../sqljs/catalog-db.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../sqljs/migrations.js';
import type { Store } from '../types.js';
import { catalogError, newPool, serverOf } from './connection.js';
import { ChangeListener } from './listener.js';
import { migrateCatalog } from './migrate.js';
import { changeChannel, quotedSchema } from './schema.js';
import { readServerTime } from './server-time.js';
import { readSnapshot } from './snapshot.js';
import { PostgresStore } from './store.js';

export interface PostgresStoreOptions {
  /** The PostgreSQL URL of the database that holds the catalog (config `catalog`). */
  url: string;
  /** The schema of that database the catalog lives in. */
  schema?: string;
  /** The clock, for entry statuses that depend on time (expired). */
  now?: () => Date;
  /** Told what went wrong in the background (the change listener, trimming the log). */
  onError?: (reason: string) => void;
  /** How long a write waits for another engine's hold on the change log (./connection.ts). */
  lockTimeoutMs?: number;
}

export const DEFAULT_SCHEMA = 'sqlrs_catalog';

/**
 * Opens the shared catalog (docs/scaling.md): creates and migrates its schema under an
 * advisory lock, loads every row into a replica in memory in one consistent read, and starts
 * following the change log. A server that does not answer fails within a few seconds, naming
 * host:port/database (never the password).
 */
export async function openPostgresStore(opts: PostgresStoreOptions): Promise<Store> {
  const schema = opts.schema ?? DEFAULT_SCHEMA;
  const s = quotedSchema(schema);
  const server = serverOf(opts.url);
  const onError = opts.onError ?? (() => undefined);
  const pool = newPool(opts.url, opts.lockTimeoutMs);
  try {
    const client = await pool.connect().catch((err) => {
      throw catalogError(server, err);
    });
    let ids: { catalogId: string; lockSecret: string };
    try {
      ids = await migrateCatalog(client, schema, server);
    } finally {
      client.release();
    }
    const snapshot = await readSnapshot(pool, s, server);
    const SQL = await loadSqlJs();
    const db = new SQL.Database();
    db.exec(MEMORY_PRAGMAS);
    for (const m of MIGRATIONS) db.exec(m);
    db.run("INSERT INTO meta VALUES ('schema_version', ?), ('catalog_id', ?), ('lock_secret', ?)", [
      String(SCHEMA_VERSION),
      ids.catalogId,
      ids.lockSecret,
    ]);
    const channel = changeChannel(schema);
    const store = new PostgresStore(
      db,
      opts.now ?? (() => new Date()),
      { pool, s, channel, server, onError },
      ids.catalogId,
      ids.lockSecret,
    );
    // Set through the interface: the job board opens its own connections to the same place.
    (store as Store).catalogServer = { url: opts.url, schema };
    store.load(snapshot);
    store.trackChangedStates();
    const listener = new ChangeListener(
      opts.url,
      channel,
      (seq) => store.notified(seq ? Number(seq) : undefined),
      onError,
    );
    store.stopListening = () => listener.stop();
    void listener.start();
    return Object.assign(store, { serverTime: () => readServerTime(pool, server) });
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
}

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Database, SqlJsStatic } from 'sql.js';
import { sqlrsError } from '../../errors.js';
import { fileSystemReason } from '../../files/fs-reason.js';
import { newCatalogId, randomHex } from '../../id.js';
import type { Store, StoreWriter } from '../types.js';
import { CatalogDb, loadSqlJs, MEMORY_PRAGMAS } from './catalog-db.js';
import { removeStaleTemps, replaceFileDurably } from './durable-file.js';
import { GroupFlusher } from './group-flusher.js';
import { Journal } from './journal.js';
import { listSegments } from './journal-files.js';
import { recoverJournal } from './journal-recovery.js';
import { setCheckpointSeq } from './journal-replay.js';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.js';
import { one } from './sql.js';

export { READY_INSTANCES } from './catalog-db.js';

export interface SqljsStoreOptions {
  /** The state directory; the catalog is `<dir>/state.db` and its journal next to it. */
  dir: string;
  /** The clock, for entry statuses that depend on time (expired). */
  now?: () => Date;
  /**
   * Journal bytes that start a checkpoint; by default the larger of 4 MiB and a quarter of
   * state.db (docs/catalog.md, Checkpoints). Tests set it small to checkpoint often.
   */
  checkpointBytes?: number;
  /** Told why a background checkpoint failed (it is tried again later; nothing is lost). */
  onCheckpointFailed?: (reason: string) => void;
}

export const STATE_DB = 'state.db';

/**
 * Opens (or creates) the catalog: the snapshot `state.db` with its journal replayed onto it,
 * then migrated. A file that exists but cannot be read as a sqlrs catalog, or a journal that
 * does not apply to it, is never overwritten: opening fails and says why (docs/catalog.md).
 */
export async function openSqljsStore(opts: SqljsStoreOptions): Promise<Store> {
  const SQL = await loadSqlJs();
  const path = join(opts.dir, STATE_DB);
  await removeStaleTemps(path);
  const bytes = await readFile(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw new Error(`cannot read catalog ${path}: ${err.message}; refusing to start`);
  });
  const segments = await listSegments(path);
  if (bytes === undefined && (segments.active || segments.sealed.length > 0)) {
    throw new Error(
      `catalog ${path} is missing but its journal is there; refusing to start and leaving the journal untouched`,
    );
  }
  const db = bytes === undefined ? new SQL.Database() : openExisting(SQL, bytes, path);
  db.exec(MEMORY_PRAGMAS);
  const recovered = await recoverJournal(db, segments).catch((err: Error) => {
    db.close();
    throw refusal(path, err.message);
  });
  const journal = new Journal({
    catalogPath: path,
    ...recovered,
    snapshotBytes: bytes?.length ?? 0,
    checkpointBytes: opts.checkpointBytes,
    onCheckpointFailed: opts.onCheckpointFailed,
  });
  const fresh = bytes === undefined;
  const store = new SqljsStore(db, path, opts.now ?? (() => new Date()), journal);
  try {
    if (fresh || store.schemaVersion < SCHEMA_VERSION) store.migrate(fresh);
    journal.setCatalogId(store.catalogId);
    store.ensureLockSecret();
    // What the migrations and the lock secret changed is in no journal record: a snapshot
    // holds it. Otherwise sealed segments an earlier run left are folded in the background.
    if (store.unjournaled) await store.snapshot();
    else journal.startCheckpoint();
  } catch (err) {
    db.close();
    throw err;
  }
  store.trackChangedStates();
  return store;
}

const refusal = (path: string, why: string) =>
  new Error(`catalog ${path} cannot be used (${why}); refusing to start and leaving it untouched`);

function openExisting(SQL: SqlJsStatic, bytes: Uint8Array, path: string): Database {
  if (bytes.length === 0) throw refusal(path, 'the file is empty');
  const db = new SQL.Database(bytes);
  try {
    const check = one<{ quick_check: string }>(db, 'PRAGMA quick_check');
    if (check?.quick_check !== 'ok')
      throw new Error(check?.quick_check ?? 'integrity check failed');
    const version = readVersion(db);
    if (version > SCHEMA_VERSION) {
      throw new Error(`schema version ${version} is newer than this engine's ${SCHEMA_VERSION}`);
    }
  } catch (err) {
    db.close();
    throw refusal(path, (err as Error).message);
  }
  return db;
}

/**
 * A catalog that cannot be saved (a full disk, a read-only or failing file system) fails the
 * request that changed it with a reason the user can act on, not a bare 500 (docs/catalog.md:
 * nothing is answered before its flush). The change stays in memory and goes out with the next
 * flush that succeeds; callers undo what they made on the server, as for any failed write.
 */
function catalogUnsaved(path: string, err: unknown) {
  return sqlrsError('unavailable', `cannot save the catalog ${path}: ${fileSystemReason(err)}`);
}

function readVersion(db: Database): number {
  const row = one<{ value: string }>(db, "SELECT value FROM meta WHERE key = 'schema_version'");
  if (!row) throw new Error('not a sqlrs catalog: no schema version');
  return Number(row.value);
}

/**
 * The embedded catalog: the catalog in memory (./catalog-db.ts) made durable by the journal
 * and its snapshots (docs/catalog.md, Durability).
 */
class SqljsStore extends CatalogDb implements Store {
  /** The state directory's lock keeps the embedded catalog to one engine. */
  readonly shared = false;
  catalogId: string;
  lockSecret: string;
  schemaVersion: number;
  /** Changes made outside the journal (migrations, the lock secret): a snapshot must hold them. */
  unjournaled = false;
  private readonly flusher: GroupFlusher<{ count: number; bytes: Buffer }>;
  private closed = false;

  constructor(
    db: Database,
    private readonly path: string,
    now: () => Date,
    private readonly journal: Journal,
  ) {
    super(db, now);
    const hasMeta = one(
      db,
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'meta'",
    );
    this.schemaVersion = hasMeta ? readVersion(db) : 0;
    this.catalogId = hasMeta ? this.meta('catalog_id') : '';
    this.lockSecret = hasMeta ? this.meta('lock_secret') : '';
    this.flusher = new GroupFlusher(
      () => journal.capture(),
      async (records) => {
        try {
          await journal.append(records);
        } catch (err) {
          throw catalogUnsaved(path, err);
        }
        await journal.sealIfDue();
      },
    );
  }

  migrate(fresh: boolean): void {
    this.transaction(() => {
      for (let v = this.schemaVersion; v < SCHEMA_VERSION; v++)
        this.db.exec(MIGRATIONS[v] as string);
      if (fresh) this.db.run("INSERT INTO meta VALUES ('catalog_id', ?)", [newCatalogId()]);
      this.db.run("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [
        String(SCHEMA_VERSION),
      ]);
    });
    this.schemaVersion = SCHEMA_VERSION;
    this.catalogId = this.meta('catalog_id');
    this.unjournaled = true;
  }

  /** Gives a catalog that has none its lock secret (Store.lockSecret), once. */
  ensureLockSecret(): void {
    if (this.lockSecret) return;
    this.transaction(() =>
      this.db.run("INSERT OR IGNORE INTO meta VALUES ('lock_secret', ?)", [randomHex(32)]),
    );
    this.lockSecret = this.meta('lock_secret');
    this.unjournaled = true;
  }

  /**
   * Writes the whole catalog as the snapshot, stamped with the last journaled sequence number,
   * and removes the journal's segments (docs/catalog.md, Checkpoints). On the main thread:
   * only at open (after migrations) and at close, where nothing waits on it. Every record
   * must be durable first; a background checkpoint still running is waited for, so that its
   * older snapshot cannot land over this one.
   */
  async snapshot(): Promise<void> {
    await this.journal.idle();
    setCheckpointSeq(this.db, this.journal.seq);
    const bytes = this.db.export();
    await replaceFileDurably(this.path, bytes, 'snapshot');
    await this.journal.dropSegments();
    this.journal.setSnapshotBytes(bytes.length);
    this.unjournaled = false;
  }

  async write<T>(fn: (w: StoreWriter) => T): Promise<T> {
    const result = this.commit(fn);
    await this.flusher.flush();
    return result;
  }

  flush(): Promise<void> {
    return this.flusher.flush();
  }

  /** Nothing to fetch: only this engine writes the embedded catalog. */
  async refresh(): Promise<void> {}

  commit<T>(fn: (w: StoreWriter) => T): T {
    if (this.closed) throw new Error('catalog is closed');
    const { result, calls } = this.commitRecorded(fn);
    this.journal.add(calls);
    return result;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.flusher.idle();
      // What commit() left for the next flush, or what a failed flush left.
      if (this.journal.hasPending) await this.flusher.flush();
      // A clean stop leaves the whole catalog in state.db: the next start replays nothing.
      if (!this.journal.empty) {
        await this.snapshot().catch((err) => {
          throw catalogUnsaved(this.path, err);
        });
      }
    } finally {
      await this.journal.idle();
      this.db.close();
    }
  }
}

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import initSqlJs, { type Database, type SqlJsStatic } from 'sql.js';
import { sqlrsError } from '../../errors.js';
import { fileSystemReason } from '../../files/fs-reason.js';
import { newCatalogId, randomHex } from '../../id.js';
import type {
  ExpiryCandidate,
  InstanceRow,
  NameRow,
  Page,
  PendingRow,
  PooledRow,
  StateHoldRow,
  StateRow,
  Store,
  StoreWriter,
} from '../types.js';
import { instancesExpiringBetween } from './changed-instances.js';
import { ChangedStates } from './changed-states.js';
import { removeStaleTemps, replaceFileDurably } from './durable-file.js';
import * as entries from './entries.js';
import { GroupFlusher } from './group-flusher.js';
import { Journal } from './journal.js';
import { listSegments } from './journal-files.js';
import { recoverJournal } from './journal-recovery.js';
import { recordingWriter, setCheckpointSeq } from './journal-replay.js';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.js';
import {
  DATABASE_RECORDED,
  EXPIRY_ALL_SLIDING,
  EXPIRY_DUE_BY,
  STATE_HOLDS_PAGE,
} from './passes.js';
import { all, one } from './sql.js';
import { sqljsWriter } from './writer.js';

let sqlJs: Promise<SqlJsStatic> | undefined;
const loadSqlJs = () => {
  sqlJs ??= initSqlJs();
  return sqlJs;
};

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
 * Instances as readers see them: an instance whose instance_create record is still pending is
 * being made (its row is written with the record, before its database exists) and is not
 * shown. A temporary view: part of this connection, never of the exported file.
 */
export const READY_INSTANCES = `CREATE TEMP VIEW ready_instances AS SELECT i.* FROM instances i
  WHERE NOT EXISTS (SELECT 1 FROM pending p
    WHERE p.kind = 'instance_create' AND p.target_id = i.instance_id)`;

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
  // The database lives in WebAssembly memory and is made durable by the journal and its
  // snapshots, so SQLite's own rollback journal in (emulated) files buys nothing: in memory,
  // a transaction costs 2-8x less. One connection ever opens it, so its lock is held for
  // good: otherwise every transaction asks the emulated file system for a hot journal (a
  // thrown ENOENT) and rereads the header, which made a catalog read about twice as slow
  // (docs/performance.md).
  db.exec(
    'PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF; PRAGMA locking_mode = EXCLUSIVE',
  );
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
  db.exec(READY_INSTANCES);
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

class SqljsStore implements Store {
  catalogId: string;
  lockSecret: string;
  schemaVersion: number;
  generation = 0;
  /** Changes made outside the journal (migrations, the lock secret): a snapshot must hold them. */
  unjournaled = false;
  private readonly flusher: GroupFlusher<{ count: number; bytes: Buffer }>;
  private closed = false;
  private changed?: ChangedStates;
  private readonly commitListeners = new Set<() => void>();

  constructor(
    private readonly db: Database,
    private readonly path: string,
    private readonly now: () => Date,
    private readonly journal: Journal,
  ) {
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

  /** From here on, commits note which states' entries they change (after the migrations). */
  trackChangedStates(): void {
    this.changed = new ChangedStates(this.db, this.generation);
  }

  statesChangedSince(generation: number): Set<string> | undefined {
    return this.changed?.since(generation);
  }

  instancesChangedSince(generation: number): Set<string> | undefined {
    return this.changed?.instancesSince(generation);
  }

  instancesExpiringBetween = (after: string, through: string, limit: number) =>
    instancesExpiringBetween(this.db, after, through, limit);

  onCommit(listener: () => void): () => void {
    this.commitListeners.add(listener);
    return () => this.commitListeners.delete(listener);
  }

  private meta(key: string): string {
    return (
      one<{ value: string }>(this.db, 'SELECT value FROM meta WHERE key = ?', [key])?.value ?? ''
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

  private nowIso = () => this.now().toISOString();

  getState = (id: string) =>
    one<StateRow>(this.db, 'SELECT * FROM states WHERE state_id = ?', [id]);
  stateEntry = (id: string) => entries.stateEntry(this.db, id);
  listStates: Store['listStates'] = (f, p) => entries.stateEntries(this.db, f, p);
  childStateIds = (id: string) =>
    all<{ state_id: string }>(this.db, 'SELECT state_id FROM states WHERE parent_state_id = ?', [
      id,
    ]).map((r) => r.state_id);

  getInstance = (id: string) =>
    one<InstanceRow>(this.db, 'SELECT * FROM instances WHERE instance_id = ?', [id]);
  instanceEntry = (id: string) => entries.instanceEntry(this.db, id, this.nowIso());
  listInstances: Store['listInstances'] = (f, p) =>
    entries.instanceEntries(this.db, f, p, this.nowIso());
  instanceIdsWithPrefix = (p: string, n: number) =>
    entries.idsWithPrefix(this.db, 'instances', p, n);
  stateIdsWithPrefix = (p: string, n: number) => entries.idsWithPrefix(this.db, 'states', p, n);

  getName = (name: string) => one<NameRow>(this.db, 'SELECT * FROM names WHERE name = ?', [name]);
  nameEntry = (name: string) => entries.nameEntry(this.db, name, this.nowIso());
  listNames: Store['listNames'] = (f, p) => entries.nameEntries(this.db, f, p, this.nowIso());

  instancesOfState = (stateId: string) =>
    all<InstanceRow>(
      this.db,
      'SELECT * FROM ready_instances WHERE state_id = ? ORDER BY instance_id',
      [stateId],
    );
  stateHolds = () =>
    all<StateHoldRow>(
      this.db,
      `SELECT s.state_id, s.parent_state_id, s.image_id, s.db_name, s.size_bytes, s.created_at,
              s.last_used_at,
              (SELECT COUNT(*) FROM instances i WHERE i.state_id = s.state_id) AS instances,
              (SELECT COUNT(*) FROM states c WHERE c.parent_state_id = s.state_id) AS children
         FROM states s`,
    );
  stateHoldsPage = (page: Page) =>
    all<StateHoldRow>(this.db, STATE_HOLDS_PAGE, [page.after ?? '', page.limit]);
  instanceCounts = () =>
    new Map(
      all<{ image_id: string; n: number }>(
        this.db,
        'SELECT image_id, COUNT(*) AS n FROM instances GROUP BY image_id',
      ).map((r) => [r.image_id, r.n]),
    );
  expiryCandidates = (now: string, slidingBy?: string) =>
    slidingBy === undefined
      ? all<ExpiryCandidate>(this.db, EXPIRY_ALL_SLIDING, [now])
      : all<ExpiryCandidate>(this.db, EXPIRY_DUE_BY, [now, slidingBy]);
  recordsDatabase = (db: string) => one(this.db, DATABASE_RECORDED, [db]) !== undefined;
  catalogDatabases = () =>
    all<{ kind: 'state' | 'instance' | 'pool'; id: string; db_name: string; image_id: string }>(
      this.db,
      `SELECT 'state' AS kind, state_id AS id, db_name, image_id FROM states
        UNION ALL SELECT 'instance', instance_id, db_name, image_id FROM instances
        UNION ALL SELECT 'pool', db_name, db_name, image_id FROM pool`,
    );
  listPending = () => all<PendingRow>(this.db, 'SELECT * FROM pending ORDER BY created_at, op_id');
  listPooled = (stateId?: string) =>
    stateId === undefined
      ? all<PooledRow>(this.db, 'SELECT * FROM pool ORDER BY created_at, db_name')
      : all<PooledRow>(
          this.db,
          'SELECT * FROM pool WHERE state_id = ? ORDER BY created_at, db_name',
          [stateId],
        );

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
    const recording = recordingWriter(sqljsWriter(this.db));
    const result = this.transaction(() => {
      const r = fn(recording.writer);
      this.changed?.collect(this.generation + 1);
      return r;
    });
    this.journal.add(recording.calls());
    this.generation++;
    for (const listener of this.commitListeners) listener();
    return result;
  }

  private transaction<T>(fn: () => T): T {
    this.db.exec('BEGIN');
    try {
      const result = fn();
      this.db.exec('COMMIT');
      return result;
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw err;
    }
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

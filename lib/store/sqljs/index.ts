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
import { ChangedStates } from './changed-states.js';
import { DurableFile, removeStaleTemps } from './durable-file.js';
import * as entries from './entries.js';
import { GroupFlusher } from './group-flusher.js';
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
  /** The state directory; the catalog is `<dir>/state.db`. */
  dir: string;
  /** The clock, for entry statuses that depend on time (expired). */
  now?: () => Date;
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
 * Opens (or creates) the catalog. A file that exists but cannot be read as a sqlrs catalog is
 * never overwritten: opening fails and says why (docs/catalog.md).
 */
export async function openSqljsStore(opts: SqljsStoreOptions): Promise<Store> {
  const SQL = await loadSqlJs();
  const path = join(opts.dir, STATE_DB);
  await removeStaleTemps(path);
  const bytes = await readFile(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw new Error(`cannot read catalog ${path}: ${err.message}; refusing to start`);
  });
  const db = bytes === undefined ? new SQL.Database() : openExisting(SQL, bytes, path);
  // The database lives in WebAssembly memory and is made durable by exporting it whole, so a
  // rollback journal in (emulated) files buys nothing: in memory, a transaction costs 2-8x less.
  // One connection ever opens it, so its lock is held for good: otherwise every transaction
  // asks the emulated file system for a hot journal (a thrown ENOENT) and rereads the header,
  // which made a catalog read about twice as slow (docs/performance.md).
  db.exec(
    'PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF; PRAGMA locking_mode = EXCLUSIVE',
  );
  const fresh = bytes === undefined;
  const store = new SqljsStore(db, path, opts.now ?? (() => new Date()));
  if (fresh || store.schemaVersion < SCHEMA_VERSION) await store.migrate(fresh);
  await store.ensureLockSecret();
  db.exec(READY_INSTANCES);
  store.trackChangedStates();
  return store;
}

function openExisting(SQL: SqlJsStatic, bytes: Uint8Array, path: string): Database {
  const refuse = (why: string) =>
    new Error(
      `catalog ${path} cannot be used (${why}); refusing to start and leaving it untouched`,
    );
  if (bytes.length === 0) throw refuse('the file is empty');
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
    throw refuse((err as Error).message);
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
  /** The generation the last successful flush wrote: below `generation`, commits wait. */
  private flushedGeneration = 0;
  private readonly flusher: GroupFlusher<{ generation: number; bytes: Uint8Array }>;
  private readonly file: DurableFile;
  private closed = false;
  private changed?: ChangedStates;
  private readonly commitListeners = new Set<() => void>();

  constructor(
    private readonly db: Database,
    path: string,
    private readonly now: () => Date,
  ) {
    const hasMeta = one(
      db,
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'meta'",
    );
    this.schemaVersion = hasMeta ? readVersion(db) : 0;
    this.catalogId = hasMeta ? this.meta('catalog_id') : '';
    this.lockSecret = hasMeta ? this.meta('lock_secret') : '';
    this.file = new DurableFile(path);
    this.flusher = new GroupFlusher(
      () => ({ generation: this.generation, bytes: this.db.export() }),
      async ({ generation, bytes }) => {
        try {
          await this.file.replace(bytes);
        } catch (err) {
          throw catalogUnsaved(path, err);
        }
        this.flushedGeneration = Math.max(this.flushedGeneration, generation);
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

  onCommit(listener: () => void): () => void {
    this.commitListeners.add(listener);
    return () => this.commitListeners.delete(listener);
  }

  private meta(key: string): string {
    return (
      one<{ value: string }>(this.db, 'SELECT value FROM meta WHERE key = ?', [key])?.value ?? ''
    );
  }

  async migrate(fresh: boolean): Promise<void> {
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
    await this.flusher.flush();
  }

  /** Gives a catalog that has none its lock secret (Store.lockSecret), once. */
  async ensureLockSecret(): Promise<void> {
    if (this.lockSecret) return;
    this.transaction(() =>
      this.db.run("INSERT OR IGNORE INTO meta VALUES ('lock_secret', ?)", [randomHex(32)]),
    );
    this.lockSecret = this.meta('lock_secret');
    await this.flusher.flush();
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

  commit<T>(fn: (w: StoreWriter) => T): T {
    if (this.closed) throw new Error('catalog is closed');
    const result = this.transaction(() => {
      const r = fn(sqljsWriter(this.db));
      this.changed?.collect(this.generation + 1);
      return r;
    });
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
      // What commit() left for the next flush.
      if (this.flushedGeneration !== this.generation) await this.flusher.flush();
    } finally {
      await this.file.close();
      this.db.close();
    }
  }
}

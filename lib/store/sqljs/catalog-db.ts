import initSqlJs, { type Database, type SqlJsStatic } from 'sql.js';
import type {
  EngineRow,
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
import * as entries from './entries.js';
import type { WriterCall } from './journal-record.js';
import { applyCalls, recordingWriter } from './journal-replay.js';
import {
  DATABASE_RECORDED,
  EXPIRY_ALL_SLIDING,
  EXPIRY_DUE_BY,
  RECORDED_BYTES,
  STATE_HOLDS_PAGE,
} from './passes.js';
import { all, one } from './sql.js';
import { STATE_BYTES } from './state-bytes.js';
import { sqljsWriter } from './writer.js';

/**
 * Instances as readers see them: an instance whose instance_create record is still pending is
 * being made (its row is written with the record, before its database exists) and is not
 * shown. A temporary view: part of this connection, never of the exported file.
 */
export const READY_INSTANCES = `CREATE TEMP VIEW ready_instances AS SELECT i.* FROM instances i
  WHERE NOT EXISTS (SELECT 1 FROM pending p
    WHERE p.kind = 'instance_create' AND p.target_id = i.instance_id)`;

/** A state's row, unless a delete's drop record names it (null reason: records of schema v4). */
const STATE_LIVE = `SELECT 1 FROM states s WHERE s.state_id = ?1
  AND NOT EXISTS (SELECT 1 FROM pending p WHERE p.target_id = ?1 AND p.kind = 'drop'
    AND (p.reason = 'delete' OR p.reason IS NULL))`;

let sqlJs: Promise<SqlJsStatic> | undefined;
export const loadSqlJs = () => {
  sqlJs ??= initSqlJs();
  return sqlJs;
};

/**
 * The database lives in WebAssembly memory and is made durable elsewhere (the journal and its
 * snapshots, or the shared catalog's server), so SQLite's own rollback journal in (emulated)
 * files buys nothing: in memory, a transaction costs 2-8x less. One connection ever opens
 * it, so its lock is held for good: otherwise every transaction asks the emulated file system
 * for a hot journal (a thrown ENOENT) and rereads the header, which made a catalog read about
 * twice as slow (docs/performance.md).
 */
export const MEMORY_PRAGMAS =
  'PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF; PRAGMA locking_mode = EXCLUSIVE';

/** The read half of the Store, and its commit bookkeeping. */
export type CatalogReads = Omit<
  Store,
  | 'catalogId'
  | 'lockSecret'
  | 'schemaVersion'
  | 'shared'
  | 'write'
  | 'commit'
  | 'flush'
  | 'refresh'
  | 'close'
>;

/**
 * The catalog in sql.js memory, whoever keeps it durable (docs/catalog.md): every read of the
 * Store, the transactions, the generation count, the changed-states log and the commit
 * listeners. The embedded store (./index.ts) makes its commits durable in its journal; the
 * shared store (../postgres/) keeps this as a replica of the catalog in PostgreSQL and
 * applies the change log's records to it. Both commit through `commitRecorded` or
 * `applyRecorded`, so a commit is counted, noted and announced the same way whatever made it.
 */
export class CatalogDb implements CatalogReads {
  generation = 0;
  private changed?: ChangedStates;
  private readonly commitListeners = new Set<() => void>();

  constructor(
    protected readonly db: Database,
    protected readonly now: () => Date,
  ) {}

  /**
   * From here on, commits note which states' entries they change, and the recorded bytes per
   * image are kept (state-bytes.ts); after the migrations and the first load.
   */
  trackChangedStates(): void {
    this.db.exec(READY_INSTANCES);
    this.db.exec(STATE_BYTES);
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

  protected meta(key: string): string {
    return (
      one<{ value: string }>(this.db, 'SELECT value FROM meta WHERE key = ?', [key])?.value ?? ''
    );
  }

  protected transaction<T>(fn: () => T): T {
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

  /**
   * One commit: `fn` in a transaction through a recording writer; its changed states noted,
   * a generation counted, the listeners told. Returns fn's result and its calls (JSON).
   */
  protected commitRecorded<T>(fn: (w: StoreWriter) => T): { result: T; calls: string } {
    const recording = recordingWriter(sqljsWriter(this.db));
    const result = this.transaction(() => {
      const r = fn(recording.writer);
      this.changed?.collect(this.generation + 1);
      return r;
    });
    this.committed();
    return { result, calls: recording.calls() };
  }

  /**
   * What `fn` would write, without writing it: run in a transaction that is rolled back,
   * through a recording writer. The catalog and its bookkeeping are left as they were.
   */
  protected capture<T>(fn: (w: StoreWriter) => T): { result: T; calls: string } {
    const recording = recordingWriter(sqljsWriter(this.db));
    this.db.exec('BEGIN');
    try {
      return { result: fn(recording.writer), calls: recording.calls() };
    } finally {
      this.db.exec('ROLLBACK');
    }
  }

  /**
   * Recorded calls (one record, or several in order) applied again as one commit; with
   * `replace`, on an emptied catalog (a replica loaded again from its source).
   */
  protected applyRecorded(records: WriterCall[][], replace = false): void {
    const writer = sqljsWriter(this.db);
    this.transaction(() => {
      if (replace) {
        this.db.exec(
          'DELETE FROM states; DELETE FROM instances; DELETE FROM names; DELETE FROM pending; DELETE FROM pool; DELETE FROM engines',
        );
      }
      for (const calls of records) applyCalls(writer, calls);
      this.changed?.collect(this.generation + 1);
    });
    this.committed();
  }

  private committed(): void {
    this.generation++;
    for (const listener of this.commitListeners) listener();
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

  stateLive = (id: string) => one(this.db, STATE_LIVE, [id]) !== undefined;

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
  recordedBytes = () =>
    new Map(
      all<{ image_id: string; bytes: number }>(this.db, RECORDED_BYTES).map((r) => [
        r.image_id,
        r.bytes,
      ]),
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
  listEngines = () => all<EngineRow>(this.db, 'SELECT * FROM engines ORDER BY engine_id');
  getEngine = (id: string) =>
    one<EngineRow>(this.db, 'SELECT * FROM engines WHERE engine_id = ?', [id]);
  listPending = () => all<PendingRow>(this.db, 'SELECT * FROM pending ORDER BY created_at, op_id');
  listPooled = (stateId?: string) =>
    stateId === undefined
      ? all<PooledRow>(this.db, 'SELECT * FROM pool ORDER BY created_at, db_name')
      : all<PooledRow>(
          this.db,
          'SELECT * FROM pool WHERE state_id = ? ORDER BY created_at, db_name',
          [stateId],
        );
}

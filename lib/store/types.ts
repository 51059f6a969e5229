import type { InstanceEntry, NameEntry, StateEntry } from '../schema-types.js';

/**
 * The catalog's interface. Reads are synchronous (the catalog lives in the owning thread's
 * memory); every change goes through `write`, which commits one transaction and resolves only
 * after the change is durable on disk (docs/catalog.md). Implementations: store/sqljs.
 */

export interface StateRow {
  state_id: string;
  parent_state_id: string | null;
  image_id: string;
  resolved_image_id: string;
  prepare_kind: 'psql' | 'mysql';
  prepare_args_normalized: string;
  db_name: string;
  created_at: string;
  size_bytes: number | null;
  last_used_at: string | null;
}

export interface InstanceRow {
  instance_id: string;
  image_id: string;
  state_id: string;
  db_name: string;
  dsn: string;
  created_at: string;
  /** When the reaper may drop it (docs/lifecycle.md); null: never. */
  expires_at: string | null;
  /**
   * Sliding expiry: expires_at is kept at last_used_at plus this (the config's instance_ttl
   * when the instance was made); null for a fixed expiry or none.
   */
  idle_ttl_seconds?: number | null;
  /** The instance's last sign of use: made, renewed, or a session seen on it. */
  last_used_at?: string | null;
}

/** An instance the reaper looks at: due now, or kept alive by use (sliding expiry). */
export interface ExpiryCandidate {
  instance_id: string;
  image_id: string;
  db_name: string;
  expires_at: string | null;
  idle_ttl_seconds: number | null;
}

export interface NameRow {
  name: string;
  instance_id: string;
  image_id: string;
  state_id: string;
  created_at: string;
  last_used_at: string | null;
}

/**
 * A database the engine is about to create or drop, recorded before it touches the server so
 * that reconciliation after a crash knows what may be half-done (docs/catalog.md).
 */
export interface PendingRow {
  op_id: string;
  kind: 'state_build' | 'instance_create' | 'drop';
  image_id: string;
  db_name: string;
  target_id: string;
  job_id: string | null;
  created_at: string;
  /**
   * Why a `drop` record drops its database (docs/deletion.md): `delete`, a state or instance
   * being deleted (target_id names it, and its row goes with the database); `leftover`, what a
   * failed build, clone or warm copy left (target_id names the state or instance it was for),
   * never dropped while the catalog records the database as a live state or instance;
   * `taken`, a warm copy taken out of the pool. Null on records of schema v4 and before.
   */
  reason?: DropReason | null;
  /**
   * The engine that made the record (docs/scaling.md, Ownership): only its own engine, or any
   * engine once the owner's lease lapsed, judges it. Null on records of schema v8 and before,
   * and their owner counts as dead.
   */
  engine_id?: string | null;
}

export type DropReason = 'delete' | 'leftover' | 'taken';

/**
 * A warm-pool database: a copy of a sealed state made ahead of demand, renamed into an
 * instance when one is asked for. The row is written before the copy starts.
 */
export interface PooledRow {
  db_name: string;
  state_id: string;
  image_id: string;
  created_at: string;
  /** How the copy was made: for builds and instances as build_role admin or restricted. */
  access?: 'admin' | 'restricted';
  /** restricted, a copy of a state: the password of its login (the instance's it becomes). */
  password?: string | null;
  /** The engine making the copy (as PendingRow.engine_id): only its owner judges it half-made. */
  engine_id?: string | null;
}

/**
 * An engine using the catalog (docs/scaling.md, Engines and leases): it renews its lease while
 * it runs; once the lease lapsed, other engines take its unfinished work as a crash's.
 */
export interface EngineRow {
  engine_id: string;
  started_at: string;
  lease_expires_at: string;
}

/**
 * A state as the cache budget weighs it (lib/lifecycle/): its row's fields and what holds it,
 * instances (pending ones too) and child states.
 */
export interface StateHoldRow {
  state_id: string;
  parent_state_id: string | null;
  image_id: string;
  db_name: string;
  size_bytes: number | null;
  created_at: string;
  last_used_at: string | null;
  instances: number;
  children: number;
}

export interface NameFilter {
  instancePrefix?: string;
  statePrefix?: string;
  image?: string;
}

export interface InstanceFilter {
  idPrefix?: string;
  statePrefix?: string;
  image?: string;
  /** Only these instances (the ones a write or the clock changed). */
  ids?: string[];
}

export interface StateFilter {
  idPrefix?: string;
  kind?: string;
  image?: string;
  parentPrefix?: string;
  /** Only these states (the ones a write changed). */
  ids?: string[];
}

/** Keyset paging: rows strictly after `after` in key order, at most `limit` of them. */
export interface Page {
  after?: string;
  limit: number;
}

export interface StoreWriter {
  insertState(row: StateRow): void;
  deleteState(stateId: string): void;
  touchState(stateId: string, at: string): void;
  insertInstance(row: InstanceRow): void;
  deleteInstance(instanceId: string): void;
  putName(row: NameRow): void;
  deleteName(name: string): void;
  addPending(row: PendingRow): void;
  removePending(opId: string): void;
  /** A record made ahead with no job (a reservation) becomes the job's. */
  claimPending(opId: string, jobId: string): void;
  addPooled(row: PooledRow): void;
  removePooled(dbName: string): void;
  /** A lease renewed: the instance now expires at `expiresAt` (docs/lifecycle.md). */
  renewInstance(instanceId: string, expiresAt: string, at: string): void;
  /**
   * Sessions were seen on these instances at `at`: their last use moves there, and a sliding
   * expiry moves with it (never earlier than it was).
   */
  touchInstances(instanceIds: string[], at: string): void;
  /**
   * An instance handed out at `at`: its life starts then (created_at and last use), and it
   * expires at `expiresAt` (docs/lifecycle.md, "Expiry").
   */
  handOutInstance(instanceId: string, at: string, expiresAt: string | null): void;
  /** An engine's row, written at its start and at each renewal of its lease (replaced whole). */
  putEngine(row: EngineRow): void;
  /** An engine gone: stopped cleanly, or found dead and its work reconciled. */
  removeEngine(engineId: string): void;
}

export interface Store {
  readonly catalogId: string;
  /**
   * A random secret of the catalog's that keys its advisory locks on the server
   * (lib/dbms/postgres/advisory-locks.ts): every engine of the catalog computes the same keys,
   * and nobody who cannot read the catalog can.
   */
  readonly lockSecret: string;
  readonly schemaVersion: number;
  /**
   * Whether other engines may use this catalog at the same time (docs/scaling.md): false for
   * the embedded catalog, which its state directory's lock keeps to one engine (so at a start
   * every other engine's work is a crash's), true for the shared one.
   */
  readonly shared: boolean;
  /**
   * The catalog server's clock now, and when the server started, on a shared catalog
   * (docs/scaling.md, Engines and leases): leases are written and judged by it, not by each
   * engine's own clock.
   */
  serverTime?(): Promise<{ now: Date; startedAt: Date }>;
  /**
   * A shared catalog's PostgreSQL URL and schema, for what keeps rows of its own there beside
   * the replica (the job board, lib/store/postgres/job-board.ts); absent when embedded.
   */
  catalogServer?: { url: string; schema: string };
  /** Counts committed changes: what was read at one generation is still true at the same one. */
  readonly generation: number;
  /**
   * The states whose entries (row or refcount) changed after `generation`, for patching a kept
   * listing; undefined when the catalog no longer knows that far back.
   */
  statesChangedSince(generation: number): Set<string> | undefined;
  /** The same for instances (row, name, or the record that hides one being made). */
  instancesChangedSince(generation: number): Set<string> | undefined;
  /**
   * Instances whose expiry lies in (`after`, `through`] (ISO times), at most `limit`: their
   * entries' status changed with the clock between the two (a kept listing's rows to render
   * again). Through an index, whatever the catalog's size.
   */
  instancesExpiringBetween(after: string, through: string, limit: number): string[];
  /** Calls `listener` after each commit (synchronously: it should only schedule work). */
  onCommit(listener: () => void): () => void;

  getState(stateId: string): StateRow | undefined;
  stateEntry(stateId: string): StateEntry | undefined;
  listStates(filter: StateFilter, page: Page): StateEntry[];
  childStateIds(stateId: string): string[];
  /**
   * Whether the state's row is there and no delete's drop record names it, in one indexed
   * read: asked in the write that records a child of it or shows an instance of it, which on
   * a shared catalog runs at the head, so a delete recorded anywhere is seen (docs/deletion.md).
   */
  stateLive(stateId: string): boolean;

  getInstance(instanceId: string): InstanceRow | undefined;
  instanceEntry(instanceId: string): InstanceEntry | undefined;
  listInstances(filter: InstanceFilter, page: Page): InstanceEntry[];
  instanceIdsWithPrefix(prefix: string, limit: number): string[];
  stateIdsWithPrefix(prefix: string, limit: number): string[];

  getName(name: string): NameRow | undefined;
  nameEntry(name: string): NameEntry | undefined;
  listNames(filter: NameFilter, page: Page): NameEntry[];

  listPending(): PendingRow[];
  /** The engines that recorded a lease, by id. */
  listEngines(): EngineRow[];
  getEngine(engineId: string): EngineRow | undefined;
  /** Warm-pool databases, of one state or all, oldest first. */
  listPooled(stateId?: string): PooledRow[];
  instancesOfState(stateId: string): InstanceRow[];
  /** Every state with its instance and child counts, in one query (tests, benches). */
  stateHolds(): StateHoldRow[];
  /**
   * States with their instance and child counts in key order, strictly after `page.after`:
   * the cache budget's pass reads the catalog a page at a time, yielding between pages.
   */
  stateHoldsPage(page: Page): StateHoldRow[];
  /** Instances per image id (every instance row, pending ones too). */
  instanceCounts(): Map<string, number>;
  /**
   * Per image id, the bytes the catalog recorded for its states (each at its size when
   * published) and warm copies (a copy of a state at its state's size, of a base at 0): kept
   * as rows change, so this reads one row per image, not every state (docs/lifecycle.md).
   */
  recordedBytes(): Map<string, number>;
  /**
   * In one query, the shown instances the reaper must look at (docs/lifecycle.md), in id
   * order: those expired at `now`, and of those with a sliding expiry, the ones that expire
   * by `slidingBy` (the next pass), or every one when `slidingBy` is not given (the first
   * pass after a start). Read through indexes: the rest of the catalog is not walked.
   */
  expiryCandidates(now: string, slidingBy?: string): ExpiryCandidate[];
  /** Whether the catalog records `db` as a state's, an instance's or a warm copy's database. */
  recordsDatabase(db: string): boolean;
  /** Every database the catalog knows, for reconciliation with the servers. */
  catalogDatabases(): Array<{
    kind: 'state' | 'instance' | 'pool';
    id: string;
    db_name: string;
    image_id: string;
  }>;

  /** Runs `fn` in one transaction, then waits until the change is durable. */
  write<T>(fn: (w: StoreWriter) => T): Promise<T>;
  /**
   * Runs `fn` in one transaction now; the change becomes durable with the next flush (the
   * next `write`, or `close`). Only for a change whose operation makes an awaited write
   * before it touches a server again, so a crash in between looks the same on disk.
   */
  commit<T>(fn: (w: StoreWriter) => T): T;
  /** Waits until every change committed so far is durable. */
  flush(): Promise<void>;
  /**
   * Brings the reads up to every change committed anywhere before the call: a no-op for the
   * embedded catalog, which only its own engine writes; a shared catalog fetches what other
   * engines wrote (docs/scaling.md). Called before a request reads the catalog and after a
   * build lock is taken.
   */
  refresh(): Promise<void>;
  close(): Promise<void>;
}

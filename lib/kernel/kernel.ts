import type { EngineConfig } from '../config.js';
import { type DbNames, dbNames } from '../dbms/names.js';
import { newEngineInstanceId } from '../id.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/types.js';
import type { TrustSettings } from '../trust.js';
import { CatalogClock } from './catalog-clock.js';
import { DeletionsInProgress } from './deletions-in-progress.js';
import { KeyedMutex } from './keyed-mutex.js';
import { engineLeaseMs, leaseGraceMs } from './ownership.js';
import { createServers, type ServerLookup } from './servers.js';

/**
 * The services built once per engine that prepare (lib/prepare/) and deletion (lib/deletion/)
 * both use. Each part of either takes the kernel, or the fields of it that it needs.
 */
export interface Kernel {
  /** The catalog. */
  store: Store;
  /** The names of this catalog's databases. */
  names: DbNames;
  clock: () => Date;
  /** The clock leases are written and judged by: the catalog server's on a shared catalog. */
  catalogClock: CatalogClock;
  logger: Logger;
  config: EngineConfig;
  /** Where the trust boundary is drawn: restriction, host files, roles, step time limit. */
  trust: TrustSettings;
  /** The server an image runs on (servers.ts). */
  servers: ServerLookup;
  /** In-process lock per state: a build and a leftover drop of the same state take turns. */
  locks: KeyedMutex;
  /** States a delete is removing now: work from them waits it out before it is kept. */
  deletions: DeletionsInProgress;
  /**
   * This engine's id (deps.engine.instanceId): the owner it writes on its pending records and
   * warm copies, and its lease's key (docs/scaling.md).
   */
  engineId: string;
  /** Config `engine_lease` in ms: another engine's work is judged once its lease lapsed. */
  leaseMs: number;
}

export interface KernelOptions {
  store: Store;
  config: EngineConfig;
  trust: TrustSettings;
  clock: () => Date;
  logger: Logger;
  /** This engine's id; a new one when not given (tests). */
  engineId?: string;
}

/** A kernel and what closes the servers it made. */
export interface OwnedKernel {
  kernel: Kernel;
  close(): Promise<void>;
}

export function createKernel(opts: KernelOptions): OwnedKernel {
  const engineId = opts.engineId ?? newEngineInstanceId();
  const servers = createServers({ ...opts, engineId });
  const leaseMs = engineLeaseMs(opts.config);
  const kernel: Kernel = {
    store: opts.store,
    names: dbNames(opts.store.catalogId),
    clock: opts.clock,
    // A sync is trusted to a quarter of the grace, so that its error stays well inside it.
    catalogClock: new CatalogClock(opts.store, opts.clock, leaseGraceMs(leaseMs) / 4),
    logger: opts.logger,
    config: opts.config,
    trust: opts.trust,
    servers: servers.lookup,
    locks: new KeyedMutex(),
    deletions: new DeletionsInProgress(),
    engineId,
    leaseMs,
  };
  return { kernel, close: () => servers.close() };
}

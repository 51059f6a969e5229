import { parseDuration } from '../duration.js';
import type { EngineConfig } from '../schema-types.js';
import type { Store } from '../store/types.js';
import type { CatalogClock } from './catalog-clock.js';

/**
 * Who may judge a pending record or a warm copy (docs/scaling.md, Ownership). The engine that
 * made it while it runs; any engine once its owner is dead: its lease lapsed (by the catalog's
 * clock, ./catalog-clock.ts) more than one renewal ago, or it has no lease row, or the record names no
 * owner (made before owners were recorded). On the embedded catalog no other engine can run
 * (the state directory's lock), so every owner but this engine is dead.
 */
export type Owner = 'mine' | 'alive' | 'dead';

export const DEFAULT_ENGINE_LEASE = '30s';
const LEASE_MIN_MS = 100;
const LEASE_MAX_MS = 3_600_000;

/** The lease length of config `engine_lease`, checked; a bad one throws naming it. */
export function engineLeaseMs(config: EngineConfig): number {
  const text = config.engine_lease ?? DEFAULT_ENGINE_LEASE;
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch (err) {
    throw new Error(`engine_lease: ${(err as Error).message}`);
  }
  if (!(ms >= LEASE_MIN_MS && ms <= LEASE_MAX_MS))
    throw new Error(`engine_lease must be 100ms to 1h, got ${text}`);
  return ms;
}

export interface OwnershipDeps {
  store: Store;
  /** Leases are judged by the catalog's clock, not the engine's (./catalog-clock.ts). */
  catalogClock: Pick<CatalogClock, 'earliest' | 'leasesFrom'>;
  /** This engine (deps.engine.instanceId). */
  engineId: string;
  /** Config `engine_lease`, in ms. */
  leaseMs: number;
}

/** The grace after a lapsed lease: one renewal (a third of the lease). */
export const leaseGraceMs = (leaseMs: number) => Math.ceil(leaseMs / 3);

/** `at`: the catalog time to judge by (ms), as in engineDead. */
export function ownerOf(
  deps: OwnershipDeps,
  engineId: string | null | undefined,
  at?: number,
): Owner {
  if (engineId === deps.engineId) return 'mine';
  if (!engineId || !deps.store.shared) return 'dead';
  const row = deps.store.getEngine(engineId);
  if (!row) return 'dead';
  return engineDead(deps, row.lease_expires_at, at) ? 'dead' : 'alive';
}

/**
 * Whether a lease that ends at `leaseExpiresAt` lapsed, grace included, by the earliest the
 * catalog's time can be (a sync's error never makes a live engine look dead). `at`: a time
 * read before the replica was refreshed, for a caller that may stall between the two: a
 * renewal committed meanwhile is not in the rows it judges, so it must not judge them by a
 * later time. A lease that ran out while the catalog server was down, or while this engine
 * could not reach it either, is given a whole lease from when it answered again
 * (catalog-clock.ts): its engine could not renew meanwhile, and judged dead at the first pass
 * after a catalog restart it would have its published work dropped under it.
 */
export function engineDead(deps: OwnershipDeps, leaseExpiresAt: string, at?: number): boolean {
  const now = at ?? deps.catalogClock.earliest();
  const ends = Math.max(Date.parse(leaseExpiresAt), deps.catalogClock.leasesFrom(deps.leaseMs));
  return ends + leaseGraceMs(deps.leaseMs) < now;
}

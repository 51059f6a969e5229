import type { Store } from '../store/types.js';

/**
 * The clock leases are written and judged by (docs/scaling.md, Engines and leases). On a
 * shared catalog it is the catalog server's: each engine's own clock may be off by any amount,
 * and an engine ahead by more than a lease's grace would find live engines dead and drop their
 * builds. `sync()` (at each lease renewal) reads the server's clock and keeps the offset to the
 * engine's, taken at the middle of the round trip, so `now()` stays synchronous for ownership
 * checks; its error is half the round trip, far below the grace. On the embedded catalog (one
 * engine, no server) it is the engine's clock.
 *
 * It also keeps when the server started and when this engine last could not renew its lease:
 * while the server was down, or out of this engine's reach, it was most likely out of the
 * other engines' reach too, and their leases lapsed only because no renewal could land. Until
 * they have had a whole lease to renew once it answers again, no lease counts as lapsed
 * (`leasesFrom`, `leasesRunFrom`).
 */
export class CatalogClock {
  private offsetMs = 0;
  /** A renewal failed, and none succeeded since. */
  private cutOff = false;
  /** Catalog time of the first renewal that succeeded after a failed one. */
  private backAt = Number.NEGATIVE_INFINITY;
  /** When the catalog server started, as last read (catalog time). */
  private serverStartedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly store: Pick<Store, 'serverTime'>,
    private readonly clock: () => Date,
  ) {}

  now(): Date {
    return new Date(this.clock().getTime() + this.offsetMs);
  }

  /** How far the server's clock is ahead of the engine's (ms), as last measured. */
  offset(): number {
    return this.offsetMs;
  }

  /** Measures the offset again; a server that cannot be reached throws, the old offset kept. */
  async sync(): Promise<void> {
    if (!this.store.serverTime) return;
    const before = this.clock().getTime();
    const { now, startedAt } = await this.store.serverTime();
    const after = this.clock().getTime();
    this.offsetMs = Math.round(now.getTime() - (before + after) / 2);
    this.serverStartedAt = startedAt.getTime();
  }

  /** This engine's lease renewal failed: the catalog is out of its reach. */
  renewalFailed(): void {
    this.cutOff = true;
  }

  /** This engine's lease renewal landed. */
  renewed(): void {
    if (!this.cutOff) return;
    this.cutOff = false;
    this.backAt = this.now().getTime();
  }

  /**
   * The earliest any engine's lease of `leaseMs` ends (catalog time): no engine could renew
   * while the catalog server was down, so every lease runs a whole lease after it started.
   * An engine judges its own lease by this (a takeover by any engine is judged no earlier).
   */
  leasesRunFrom(leaseMs: number): number {
    return this.serverStartedAt + leaseMs;
  }

  /**
   * The earliest this engine judges another engine's lease of `leaseMs` to end (catalog
   * time): never while it cannot renew its own, and not before a whole lease after it could
   * again or after the server started.
   */
  leasesFrom(leaseMs: number): number {
    if (this.cutOff) return Number.POSITIVE_INFINITY;
    return Math.max(this.backAt + leaseMs, this.leasesRunFrom(leaseMs));
  }
}

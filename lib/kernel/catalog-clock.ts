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
 * It also remembers when this engine last could not renew its lease: while the catalog was out
 * of its reach it was most likely out of the other engines' reach too (the server restarting),
 * and their leases lapsed only because no renewal could land. Until they have had a whole
 * lease to renew once the catalog answers again, no lease counts as lapsed (`leasesFrom`).
 */
export class CatalogClock {
  private offsetMs = 0;
  /** A renewal failed, and none succeeded since. */
  private cutOff = false;
  /** Catalog time of the first renewal that succeeded after a failed one. */
  private backAt = Number.NEGATIVE_INFINITY;

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
    const server = (await this.store.serverTime()).getTime();
    const after = this.clock().getTime();
    this.offsetMs = Math.round(server - (before + after) / 2);
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
   * The earliest a lease of `leaseMs` may be judged to end (catalog time): never while this
   * engine cannot renew its own, and not before a whole lease after it could again.
   */
  leasesFrom(leaseMs: number): number {
    return this.cutOff ? Number.POSITIVE_INFINITY : this.backAt + leaseMs;
  }
}

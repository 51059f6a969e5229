import type { Store } from '../store/types.js';

/**
 * The clock leases are written and judged by (docs/scaling.md, Engines and leases). On a
 * shared catalog it is the catalog server's: each engine's own clock may be off by any amount,
 * and an engine ahead by more than a lease's grace would find live engines dead and drop their
 * builds. `sync()` (at each lease renewal) reads the server's clock and keeps the offset to the
 * engine's, taken at the middle of the round trip, so `now()` stays synchronous for ownership
 * checks. Where in the round trip the server read its clock is unknown, so the offset is only
 * known to half the round trip (`uncertainty()`): `earliest()` and `latest()` bound the
 * server's time. A round trip stretched by a stalled event loop (a loaded machine) would move
 * the offset by up to half of it: a sync whose uncertainty is above `maxUncertaintyMs` and
 * above the kept one's is ignored, the offset measured before kept (clock rates differ far
 * too little for it to age). On the embedded catalog (one engine, no server) it is the
 * engine's clock, exactly.
 *
 * It also keeps when the server started and when this engine last could not renew its lease:
 * while the server was down, or out of this engine's reach, it was most likely out of the
 * other engines' reach too, and their leases lapsed only because no renewal could land. Until
 * they have had a whole lease to renew once it answers again, no lease counts as lapsed
 * (`leasesFrom`, `leasesRunFrom`).
 */
export class CatalogClock {
  private offsetMs = 0;
  private uncertaintyMs = 0;
  private synced = false;
  /** A renewal failed, and none succeeded since. */
  private cutOff = false;
  /** Catalog time of the first renewal that succeeded after a failed one. */
  private backAt = Number.NEGATIVE_INFINITY;
  /** When the catalog server started, as last read (catalog time). */
  private serverStartedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly store: Pick<Store, 'serverTime'>,
    private readonly clock: () => Date,
    /** The largest uncertainty a sync may bring in place of a smaller one (ms). */
    private readonly maxUncertaintyMs = Number.POSITIVE_INFINITY,
  ) {}

  /** The best estimate of the server's time. */
  now(): Date {
    return new Date(this.clock().getTime() + this.offsetMs);
  }

  /** The server's time is no earlier than this (ms): others are judged dead by it. */
  earliest(): number {
    return this.now().getTime() - this.uncertaintyMs;
  }

  /** The server's time is no later than this (ms): this engine's own lease is judged by it. */
  latest(): number {
    return this.now().getTime() + this.uncertaintyMs;
  }

  /** How far the server's clock is ahead of the engine's (ms), as last measured. */
  offset(): number {
    return this.offsetMs;
  }

  /** Half the round trip of the sync the offset came from (ms). */
  uncertainty(): number {
    return this.uncertaintyMs;
  }

  /**
   * Measures the offset again; a server that cannot be reached throws, the old offset kept.
   * Resolves whether the measure was kept (a slow round trip's is not, see above).
   */
  async sync(): Promise<boolean> {
    if (!this.store.serverTime) return true;
    const before = this.clock().getTime();
    const { now, startedAt } = await this.store.serverTime();
    const after = this.clock().getTime();
    this.serverStartedAt = startedAt.getTime(); // the server's own reading: no round trip in it
    const server = now.getTime();
    const uncertainty = Math.ceil(Math.max(0, after - before) / 2);
    const kept =
      !this.synced || uncertainty <= this.maxUncertaintyMs || uncertainty <= this.uncertaintyMs;
    if (!kept) return false;
    this.offsetMs = Math.round(server - (before + after) / 2);
    this.uncertaintyMs = uncertainty;
    this.synced = true;
    return true;
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

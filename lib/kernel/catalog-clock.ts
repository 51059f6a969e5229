import type { Store } from '../store/types.js';

/**
 * The clock leases are written and judged by (docs/scaling.md, Engines and leases). On a
 * shared catalog it is the catalog server's: each engine's own clock may be off by any amount,
 * and an engine ahead by more than a lease's grace would find live engines dead and drop their
 * builds. `sync()` (at each lease renewal) reads the server's clock and keeps the offset to the
 * engine's, taken at the middle of the round trip, so `now()` stays synchronous for ownership
 * checks; its error is half the round trip, far below the grace. On the embedded catalog (one
 * engine, no server) it is the engine's clock.
 */
export class CatalogClock {
  private offsetMs = 0;

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
}

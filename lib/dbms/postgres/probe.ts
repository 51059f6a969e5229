import type pg from 'pg';

/**
 * A connection of its own for short catalog reads (does this database exist?), written to the
 * socket the moment they are asked. The DDL pool hands out its connections on
 * `process.nextTick`, so a read asked for inside a chain of promises goes out only once every
 * pending promise callback has run: on a warm-pool hit, after the catalog's export, and its
 * answer then came back while the flush's fsync ran, slowing it (docs/performance.md).
 *
 * Opened on first use, in the background: until it is ready, and after it fails, `client()`
 * gives nothing and the caller uses the pool; a failed connection is replaced on a later call.
 */
export class Probe {
  private ready: pg.Client | undefined;
  private opening: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly connect: () => Promise<pg.Client>) {}

  /** The probe's connection when it is open, else nothing (and it starts opening). */
  client(): pg.Client | undefined {
    if (!this.ready && !this.opening && !this.closed) this.opening = this.open();
    return this.ready;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.opening;
    const c = this.ready;
    this.ready = undefined;
    await c?.end().catch(() => undefined);
  }

  private async open(): Promise<void> {
    try {
      const c = await this.connect();
      const lost = () => {
        if (this.ready === c) this.ready = undefined;
        void c.end().catch(() => undefined);
      };
      c.on('error', lost);
      c.on('end', lost);
      if (this.closed) await c.end().catch(() => undefined);
      else this.ready = c;
    } catch {
      // The pool answers meanwhile, and reports the server's state in its own errors.
    } finally {
      this.opening = undefined;
    }
  }
}

import { imageTarget } from '../../config.js';
import type { Kernel } from '../../kernel/kernel.js';
import { isLeftoverDrop, resolveLeftover } from '../../kernel/leftover-records.js';
import { ownerOf } from '../../kernel/ownership.js';

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 30_000;

/**
 * Retries the leftover drops of a server that could not drop them, while the engine runs: the
 * databases a build left when its server went away go once the server answers again, not at
 * the next start. One timer per server, backing off from half a second to half a minute.
 */
export class LeftoverDrops {
  private readonly timers = new Map<string, { timer: NodeJS.Timeout; delay: number }>();
  private closed = false;

  constructor(
    private readonly kernel: Pick<
      Kernel,
      | 'store'
      | 'config'
      | 'servers'
      | 'locks'
      | 'logger'
      | 'clock'
      | 'catalogClock'
      | 'engineId'
      | 'leaseMs'
    >,
  ) {}

  /** Schedules a retry of the leftover drops of the server `imageId` is on. */
  retry(imageId: string, delay = FIRST_RETRY_MS): void {
    if (this.closed) return;
    const url = this.urlOf(imageId);
    if (url === undefined || this.timers.has(url)) return;
    const timer = setTimeout(() => void this.attempt(url, delay), delay);
    timer.unref();
    this.timers.set(url, { timer, delay });
  }

  /** Schedules retries for every leftover drop record in the catalog (after a reconciliation). */
  retryAll(): void {
    for (const p of this.kernel.store.listPending()) if (isLeftoverDrop(p)) this.retry(p.image_id);
  }

  close(): void {
    this.closed = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private urlOf(imageId: string): string | undefined {
    try {
      return imageTarget(this.kernel.config, imageId).url;
    } catch {
      return undefined; // no longer configured: the records wait for reconciliation
    }
  }

  private async attempt(url: string, delay: number): Promise<void> {
    this.timers.delete(url); // leftovers recorded from now on schedule their own retry
    const records = this.kernel.store
      .listPending()
      // Another live engine retries its own (docs/scaling.md, Ownership).
      .filter(
        (p) =>
          isLeftoverDrop(p) &&
          this.urlOf(p.image_id) === url &&
          ownerOf(this.kernel, p.engine_id) !== 'alive',
      );
    let failed = false;
    for (const p of records) {
      if (this.closed) return;
      const server = this.kernel.servers(imageTarget(this.kernel.config, p.image_id));
      try {
        const db = await resolveLeftover(this.kernel, server, p);
        if (db) this.kernel.logger.info('leftover_dropped', { db, target: p.target_id });
      } catch (err) {
        failed = true;
        this.kernel.logger.info('leftover_drop_retry', { db: p.db_name, error: String(err) });
        break; // the server is still away: try them all again later
      }
    }
    const next = records[0];
    if (failed && next) this.retry(next.image_id, Math.min(delay * 2, MAX_RETRY_MS));
  }
}

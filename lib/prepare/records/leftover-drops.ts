import { imageTarget } from '../../config.js';
import type { DbmsServer } from '../../dbms/types.js';
import type { PendingRow } from '../../store/types.js';
import type { PrepareContext } from '../context.js';

/**
 * A drop record for what failed work left (docs/deletion.md): `leftover`, or an older record
 * without a reason that names its own database as its target (what failed work wrote then).
 * A delete's records name the state or instance they delete.
 */
export const isLeftoverDrop = (p: PendingRow): boolean =>
  p.kind === 'drop' && (p.reason === 'leftover' || (!p.reason && p.target_id === p.db_name));

/** Whether the catalog records `db` as a live state, instance or warm copy. */
export function isLive(ctx: PrepareContext, db: string): boolean {
  return ctx.store.catalogDatabases().some((d) => d.db_name === db);
}

/**
 * Resolves one leftover drop record: drops its database unless the catalog now records it as
 * live (a later build of the same state published it under the state's name), then clears the
 * record. Checked under the state's locks (in process and on the server), the ones a build
 * holds from its clone to its commit, so a build publishing that name right now is waited
 * out. Returns the database when it was dropped. Throws when the server cannot be reached.
 */
export async function resolveLeftover(
  ctx: PrepareContext,
  server: DbmsServer,
  p: PendingRow,
): Promise<string | undefined> {
  return ctx.stateLocks.run(p.target_id, async () => {
    const unlock = await server.lockState(p.db_name);
    try {
      if (!ctx.store.listPending().some((r) => r.op_id === p.op_id)) return undefined;
      const live = isLive(ctx, p.db_name);
      if (live) ctx.logger.info('drop_record_stale', { db: p.db_name, target: p.target_id });
      else await server.drop(p.db_name, true);
      await ctx.store.write((w) => w.removePending(p.op_id));
      return live ? undefined : p.db_name;
    } finally {
      await unlock();
    }
  });
}

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

  constructor(private readonly ctx: PrepareContext) {}

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
    for (const p of this.ctx.store.listPending()) if (isLeftoverDrop(p)) this.retry(p.image_id);
  }

  close(): void {
    this.closed = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private urlOf(imageId: string): string | undefined {
    try {
      return imageTarget(this.ctx.config, imageId).url;
    } catch {
      return undefined; // no longer configured: the records wait for reconciliation
    }
  }

  private async attempt(url: string, delay: number): Promise<void> {
    this.timers.delete(url); // leftovers recorded from now on schedule their own retry
    const records = this.ctx.store
      .listPending()
      .filter((p) => isLeftoverDrop(p) && this.urlOf(p.image_id) === url);
    let failed = false;
    for (const p of records) {
      if (this.closed) return;
      const server = this.ctx.server(imageTarget(this.ctx.config, p.image_id));
      try {
        const db = await resolveLeftover(this.ctx, server, p);
        if (db) this.ctx.logger.info('leftover_dropped', { db, target: p.target_id });
      } catch (err) {
        failed = true;
        this.ctx.logger.info('leftover_drop_retry', { db: p.db_name, error: String(err) });
        break; // the server is still away: try them all again later
      }
    }
    const next = records[0];
    if (failed && next) this.retry(next.image_id, Math.min(delay * 2, MAX_RETRY_MS));
  }
}

import { imageTarget } from '../config.js';
import type { DbmsServer } from '../dbms/types.js';
import { randomHex } from '../id.js';
import type { StateRow } from '../store/types.js';
import type { PrepareContext } from './context.js';

export interface WarmPoolOptions {
  /** Copies kept ready per recently used state (0: no pool). */
  perState: number;
  /** Copies kept ready across all states. */
  maxTotal: number;
}

export const DEFAULT_WARM_POOL: WarmPoolOptions = { perState: 2, maxTotal: 8 };

/**
 * Pre-cloned copies of recently used states (issue 8). A cache-hit prepare takes one and
 * renames it into its instance, which costs a catalog update instead of a copy; the copy is
 * made again in the background, one at a time, so refills never compete with each other.
 *
 * The catalog is the source of truth: a pool row is written before its copy starts, so
 * reconciliation drops or forgets what a crash left behind. Only the copy in progress is
 * kept in memory, so that it is neither handed out nor reconciled away while it is made.
 */
export class WarmPool {
  /** State ids, least recently used first. */
  private readonly recent = new Map<string, true>();
  private readonly queued = new Set<string>();
  private chain: Promise<void> = Promise.resolve();
  private making: { stateId: string; db: string } | undefined;
  private closed = false;

  constructor(
    private readonly ctx: PrepareContext,
    readonly opts: WarmPoolOptions,
  ) {}

  get enabled(): boolean {
    return this.opts.perState > 0 && this.opts.maxTotal > 0;
  }

  /**
   * The ready copy a hand-out would take next (the oldest), or undefined. Looking is free: a
   * copy is taken when the caller's next catalog write removes its row, which it makes before
   * anything else can run, so no one else takes the same copy.
   */
  nextCopy(stateId: string): string | undefined {
    return this.ready(stateId)[0];
  }

  /** The state was just used: keep copies of it ready. */
  used(state: StateRow, server: DbmsServer): void {
    if (!this.enabled || this.closed || !server.rename) return;
    this.recent.delete(state.state_id);
    this.recent.set(state.state_id, true);
    if (this.queued.has(state.state_id)) return;
    this.queued.add(state.state_id);
    this.chain = this.chain
      .then(() => this.fill(state.state_id))
      .catch((err) => this.ctx.logger.error('warm_pool_fill_failed', { error: String(err) }));
  }

  /** The copy being made right now, which reconciliation must leave alone. */
  inProgress(): string[] {
    return this.making ? [this.making.db] : [];
  }

  /** Drops every copy of a state that is about to be deleted, and stops refilling it. */
  async drain(stateId: string): Promise<void> {
    this.recent.delete(stateId);
    while (this.making?.stateId === stateId) await this.chain;
    const rows = this.ctx.store.listPooled(stateId);
    for (const row of rows) await this.serverOf(row.image_id).drop(row.db_name, true);
    if (rows.length > 0)
      await this.ctx.store.write((w) => {
        for (const row of rows) w.removePooled(row.db_name);
      });
  }

  /** Resolves when no refill is queued or running (tests, benchmarks). */
  async idle(): Promise<void> {
    let seen: Promise<void> | undefined;
    while (seen !== this.chain) {
      seen = this.chain;
      await seen;
    }
  }

  /** Stops refilling and waits for the copy in progress; the copies stay for the next engine. */
  async close(): Promise<void> {
    this.closed = true;
    await this.chain;
  }

  private ready(stateId: string): string[] {
    return this.ctx.store
      .listPooled(stateId)
      .map((r) => r.db_name)
      .filter((db) => db !== this.making?.db);
  }

  private async fill(stateId: string): Promise<void> {
    this.queued.delete(stateId);
    for (;;) {
      if (this.closed || !this.recent.has(stateId)) return;
      if (this.ready(stateId).length >= this.opts.perState) return;
      if (this.ctx.store.listPooled().length >= this.opts.maxTotal && !(await this.evict(stateId)))
        return;
      const state = this.ctx.store.getState(stateId);
      if (!state || this.closed || !this.recent.has(stateId)) return;
      if (!(await this.makeCopy(state))) return;
    }
  }

  /** Drops one copy of the least recently used other state; false when there is none. */
  private async evict(keep: string): Promise<boolean> {
    const rows = this.ctx.store.listPooled().filter((r) => r.state_id !== keep);
    if (rows.length === 0) return false;
    const rank = (id: string) => [...this.recent.keys()].indexOf(id); // -1: not used since start
    rows.sort((a, b) => rank(a.state_id) - rank(b.state_id));
    const victim = rows[0] as (typeof rows)[number];
    await this.serverOf(victim.image_id).drop(victim.db_name, true);
    await this.ctx.store.write((w) => w.removePooled(victim.db_name));
    return true;
  }

  private async makeCopy(state: StateRow): Promise<boolean> {
    const db = this.ctx.names.pool(randomHex(8));
    const server = this.serverOf(state.image_id);
    this.making = { stateId: state.state_id, db };
    try {
      await this.ctx.store.write((w) =>
        w.addPooled({
          db_name: db,
          state_id: state.state_id,
          image_id: state.image_id,
          created_at: this.ctx.clock().toISOString(),
        }),
      );
      await server.cloneInstance(state.db_name, db, state.size_bytes);
      return true;
    } catch (err) {
      this.ctx.logger.error('warm_pool_copy_failed', {
        state_id: state.state_id,
        error: String(err),
      });
      await server.drop(db, true).catch(() => undefined);
      await this.ctx.store.write((w) => w.removePooled(db)).catch(() => undefined);
      return false;
    } finally {
      this.making = undefined;
    }
  }

  private serverOf(imageId: string): DbmsServer {
    return this.ctx.server(imageTarget(this.ctx.config, imageId));
  }
}

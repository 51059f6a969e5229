import { imageTarget } from '../../config.js';
import type { DbmsServer } from '../../dbms/types.js';
import { newInstanceId, randomHex } from '../../id.js';
import type { Kernel } from '../../kernel/kernel.js';
import { ownerOf } from '../../kernel/ownership.js';
import type { PooledRow } from '../../store/types.js';
import { dropLeftovers, type LeftoverDeps } from '../records/leftovers.js';
import type { PoolSource } from './pool-source.js';

export interface WarmPoolOptions {
  /** Copies kept ready per recently used state (0: no pool). */
  perState: number;
  /** Copies kept ready across all states. */
  maxTotal: number;
}

/** What the pool works with: the catalog and servers, and the retries of what a copy left. */
export type WarmPoolDeps = Pick<
  Kernel,
  | 'store'
  | 'names'
  | 'clock'
  | 'catalogClock'
  | 'logger'
  | 'config'
  | 'servers'
  | 'engineId'
  | 'leaseMs'
> &
  LeftoverDeps;

export const DEFAULT_WARM_POOL: WarmPoolOptions = { perState: 2, maxTotal: 8 };

/**
 * Pre-cloned copies of recently used states. Each is made under the name of an
 * instance that does not exist yet, so a cache-hit prepare takes one as its instance with a
 * catalog write (the server is only asked whether the copy is still there); a build takes one
 * of its parent (or of the empty base) and renames it into its build database. The copy is
 * made again in the background, one at a time, so refills never compete with each other.
 *
 * The catalog is the source of truth: a pool row is written before its copy starts, so
 * reconciliation drops or forgets what a crash left behind. Only the copy in progress is
 * kept in memory, so that it is neither handed out nor reconciled away while it is made.
 *
 * On a shared catalog each engine keeps a pool of its own: the copies another live engine
 * owns (it may still be making them) are neither handed out, counted, evicted nor trimmed
 * here; a dead engine's are this engine's to use or drop (docs/scaling.md, Ownership).
 */
export class WarmPool {
  /** Sources by key, least recently used first. */
  private readonly recent = new Map<string, PoolSource>();
  private readonly queued = new Set<string>();
  private chain: Promise<void> = Promise.resolve();
  private making: { key: string; db: string } | undefined;
  /** Copies claimed for a drop (claimForDrop): never handed out, never dropped twice. */
  private readonly dropping = new Set<string>();
  private closed = false;

  constructor(
    private readonly deps: WarmPoolDeps,
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
  nextCopy(key: string): string | undefined {
    // Off, it holds none (the copies a previous run left are dropped at start): no query.
    return this.enabled ? this.ready(key)[0] : undefined;
  }

  /**
   * The source was just used: keep copies of it ready. Copies of a base serve builds only,
   * which rename them: a server without RENAME DATABASE (MySQL) gets copies of states alone.
   */
  used(source: PoolSource, server: DbmsServer): void {
    if (!this.enabled || this.closed) return;
    if (source.stateId === undefined && !server.rename) return;
    const { key } = source;
    this.recent.delete(key);
    this.recent.set(key, source);
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.chain = this.chain
      .then(() => this.fill(key))
      .catch((err) => this.deps.logger.error('warm_pool_fill_failed', { error: String(err) }));
  }

  /**
   * One copy of `source` ahead of a use that may come (lib/prepare/accept/warm-base.ts), only
   * into room the pool has: nothing is evicted, and the source is not marked used, so the copy
   * gives way as the source's last use ranks it (first, if it was never used). None when a
   * copy is ready or being made.
   */
  copyAhead(source: PoolSource, server: DbmsServer): void {
    if (!this.enabled || this.closed) return;
    if (source.stateId === undefined && !server.rename) return;
    this.chain = this.chain
      .then(async () => {
        if (this.closed || this.ready(source.key).length > 0) return;
        if (this.held() >= this.opts.maxTotal || !this.live(source)) return;
        await this.makeCopy(source);
      })
      .catch((err) => this.deps.logger.error('warm_pool_fill_failed', { error: String(err) }));
  }

  /** The copy being made right now, which reconciliation must leave alone. */
  inProgress(): string[] {
    return this.making ? [this.making.db] : [];
  }

  /** Drops every copy of a state that is about to be deleted, and stops refilling it. */
  async drain(stateId: string): Promise<void> {
    this.recent.delete(stateId);
    while (this.making?.key === stateId) await this.chain;
    await this.dropClaimed(this.claimForDrop(this.deps.store.listPooled(stateId)));
  }

  /**
   * Drops these copies now (the cache budget's eviction, docs/lifecycle.md) by the same claim
   * and drop as the pool's own eviction, and stops refilling their sources until they are used
   * again. The copy being made is left alone. Answers the names dropped; a copy a hand-out
   * took meanwhile, or that the server could not drop, is not among them.
   */
  async evictCopies(rows: PooledRow[]): Promise<string[]> {
    const claimed = this.claimForDrop(rows.filter((r) => r.db_name !== this.making?.db));
    for (const row of claimed) this.recent.delete(row.state_id);
    const dropped: string[] = [];
    for (const row of claimed) {
      try {
        await this.dropClaimed([row]);
        dropped.push(row.db_name);
      } catch (err) {
        this.deps.logger.error('warm_pool_evict_failed', { db: row.db_name, error: String(err) });
      }
    }
    return dropped;
  }

  /**
   * Drops, in the background, the copies beyond the configuration (every copy when the pool is
   * off), newest kept first: a smaller `warm_pool` takes effect when the engine starts. Copies
   * named as earlier engines named them (`_p_`, handed out by rename) go too: they would hold
   * places that copies a hit can take as they are should have. Copies that cannot be dropped
   * now (server down) stay for the next start.
   */
  trim(): void {
    this.chain = this.chain
      .then(() => this.dropExcess())
      .catch((err) => this.deps.logger.error('warm_pool_trim_failed', { error: String(err) }));
  }

  private async dropExcess(): Promise<void> {
    const kept = new Map<string, number>();
    let total = 0;
    for (const row of this.pooled().reverse()) {
      const n = kept.get(row.state_id) ?? 0;
      // Made as the engine now makes them: named as an instance, for today's build_role.
      const current =
        this.deps.names.instanceIdOf(row.db_name) !== undefined &&
        row.access === (this.accessOf(row.image_id) ?? row.access);
      if (current && this.enabled && n < this.opts.perState && total < this.opts.maxTotal) {
        kept.set(row.state_id, n + 1);
        total++;
      } else {
        await this.dropCopy(row).catch((err) =>
          this.deps.logger.error('warm_pool_trim_failed', { db: row.db_name, error: String(err) }),
        );
      }
    }
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

  /** The pool's rows this engine may use: its own and dead engines' (oldest first). */
  private pooled(stateId?: string): PooledRow[] {
    return this.deps.store
      .listPooled(stateId)
      .filter((r) => ownerOf(this.deps, r.engine_id) !== 'alive');
  }

  private ready(key: string): string[] {
    return this.pooled(key)
      .map((r) => r.db_name)
      .filter((db) => db !== this.making?.db && !this.dropping.has(db));
  }

  private async fill(key: string): Promise<void> {
    this.queued.delete(key);
    for (;;) {
      if (this.closed || !this.recent.has(key)) return;
      if (this.ready(key).length >= this.opts.perState) return;
      if (this.held() >= this.opts.maxTotal && !(await this.evict(key))) return;
      const source = this.recent.get(key);
      if (!source || this.closed || !this.live(source)) return;
      if (!(await this.makeCopy(source))) return;
    }
  }

  /** A state's copies stop once it is gone from the catalog; a base is always there. */
  private live(source: PoolSource): boolean {
    return source.stateId === undefined || this.deps.store.getState(source.stateId) !== undefined;
  }

  /** Copies in the pool, not counting those being dropped. */
  private held(): number {
    return this.pooled().filter((r) => !this.dropping.has(r.db_name)).length;
  }

  /** Drops one copy of the least recently used other state; false when there is none. */
  private async evict(keep: string): Promise<boolean> {
    const rows = this.pooled().filter((r) => r.state_id !== keep && !this.dropping.has(r.db_name));
    if (rows.length === 0) return false;
    const rank = (id: string) => [...this.recent.keys()].indexOf(id); // -1: not used since start
    rows.sort((a, b) => rank(a.state_id) - rank(b.state_id));
    return this.dropCopy(rows[0] as PooledRow);
  }

  /** Drops a copy unless a hand-out or another drop claimed it first; true when it did. */
  private async dropCopy(row: PooledRow): Promise<boolean> {
    const claimed = this.claimForDrop([row]);
    await this.dropClaimed(claimed);
    return claimed.length > 0;
  }

  /**
   * Claim before drop (docs/performance.md, "Warm pool"): the copies still in the pool, and not
   * claimed already, are marked as being dropped in one turn, before the server is asked to
   * drop anything. A hand-out picks a copy (ready() skips marked ones) and removes its row in
   * one turn, so a copy being dropped is never handed out, and a copy a hand-out took (its
   * row gone: listed before, or stale) is never dropped. The catalog row stays until the drop
   * is done, as for any copy: a crash in between leaves a row whose database reconciliation
   * finds gone, or still there.
   */
  private claimForDrop(rows: PooledRow[]): PooledRow[] {
    const inPool = new Set(this.deps.store.listPooled().map((r) => r.db_name));
    const claimed = rows.filter((r) => inPool.has(r.db_name) && !this.dropping.has(r.db_name));
    for (const row of claimed) this.dropping.add(row.db_name);
    return claimed;
  }

  /**
   * Drops claimed copies, then forgets their rows; one the server cannot drop now keeps its row
   * (and may be handed out: a hand-out asks the server whether its copy exists). Throws the
   * first failure.
   */
  private async dropClaimed(claimed: PooledRow[]): Promise<void> {
    const done: string[] = [];
    let failure: unknown;
    try {
      for (const row of claimed) {
        try {
          await this.serverOf(row.image_id).drop(row.db_name, true);
          done.push(row.db_name);
        } catch (err) {
          failure ??= err;
        }
      }
      if (done.length > 0)
        await this.deps.store.write((w) => {
          for (const db of done) w.removePooled(db);
        });
    } finally {
      for (const row of claimed) this.dropping.delete(row.db_name);
    }
    if (failure !== undefined) throw failure;
  }

  private async makeCopy(source: PoolSource): Promise<boolean> {
    // Named as the instance it will be: a hit takes it without renaming it.
    const db = this.deps.names.instance(newInstanceId());
    const server = this.serverOf(source.imageId);
    // build_role restricted: a copy of a state has the login of the instance it will be.
    const password =
      server.access === 'restricted' && source.db !== null ? randomHex(16) : undefined;
    this.making = { key: source.key, db };
    try {
      await this.deps.store.write((w) =>
        w.addPooled({
          db_name: db,
          state_id: source.key,
          image_id: source.imageId,
          created_at: this.deps.clock().toISOString(),
          access: server.access,
          password: password ?? null,
          engine_id: this.deps.engineId,
        }),
      );
      // Made ahead: durable by its own statement, not by a later delete's checkpoint.
      if (source.db === null) await server.createFrom(db, null, { ahead: true });
      else await server.cloneInstance(source.db, db, source.sizeBytes, password, { ahead: true });
      return true;
    } catch (err) {
      this.deps.logger.error('warm_pool_copy_failed', { source: source.key, error: String(err) });
      const recordLeft = await dropLeftovers(this.deps, server, source.imageId, [db]);
      await this.deps.store
        .write((w) => {
          w.removePooled(db);
          recordLeft(w);
        })
        .catch(() => undefined);
      return false;
    } finally {
      this.making = undefined;
    }
  }

  /** How the server of an image makes copies now; undefined when it is no longer configured. */
  private accessOf(imageId: string): string | undefined {
    try {
      return this.serverOf(imageId).access;
    } catch {
      return undefined;
    }
  }

  private serverOf(imageId: string): DbmsServer {
    return this.deps.servers(imageTarget(this.deps.config, imageId));
  }
}

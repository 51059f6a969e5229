import type { Kernel } from '../kernel/kernel.js';
import { engineDead, leaseGraceMs, ownerOf } from '../kernel/ownership.js';
import type { EngineRow } from '../store/types.js';

type LeaseContext = Pick<Kernel, 'store' | 'catalogClock' | 'logger' | 'engineId' | 'leaseMs'>;

export interface DeadEngineWork {
  /** Reconciles the work of dead engines only (lib/deletion/reconcile.ts, deadOnly). */
  reconcile(): Promise<unknown>;
  /**
   * Fails the unfinished jobs of these engines and of engines with no lease row
   * (`engine_lost`); absent: none to fail.
   */
  failJobs?(engineIds: string[]): Promise<void>;
}

/** This engine's own work, for when it finds its lease lost (docs/scaling.md, Failover). */
export interface OwnWork {
  /**
   * Stops this engine's unfinished jobs (their builds' databases may be gone) and resolves
   * once they have ended.
   */
  abandon(reason: string): Promise<void>;
}

/** What one pass found and did, for the log and for tests. */
export interface LeasePassReport {
  dead: string[];
  reconciled: boolean;
}

/**
 * This engine's lease on the catalog and the pass that takes over dead engines' work
 * (docs/scaling.md, Engines and leases). The engine writes its row at start and, on a shared
 * catalog, renews it every third of `engine_lease`; each renewal is followed by a pass that
 * finds engines whose lease lapsed (one renewal's grace) and records whose owner is dead,
 * fails their jobs, reconciles their work as a start does a crashed engine's (their
 * half-built databases dropped) and removes their rows. On the embedded catalog no other
 * engine can run: every other row is a crashed engine's, removed once at start.
 *
 * Leases are written and judged by the catalog's clock (kernel.catalogClock), synced at each
 * renewal. An engine that finds its own row gone or lapsed at a renewal (it was frozen, or cut
 * from the catalog longer than its lease) knows its work may have been taken over: it stops
 * its jobs, then writes its row again and goes on serving.
 */
export class EngineLeases {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private renewing?: Promise<void>;
  private closed = false;
  /** Whether this engine's row was written: from then on a missing or lapsed row is a loss. */
  private registered = false;
  private startedAt = '';
  /** Passes finished so far, for tests that wait for one. */
  passes = 0;

  constructor(
    private readonly ctx: LeaseContext,
    private readonly work: DeadEngineWork,
    private readonly own: OwnWork = { abandon: async () => undefined },
  ) {}

  /** Writes this engine's row (after the start's reconciliation), then renews it. */
  async start(): Promise<void> {
    await this.ctx.catalogClock.sync();
    this.startedAt = this.ctx.catalogClock.now().toISOString();
    await this.renew();
    if (!this.ctx.store.shared) {
      const others = this.ctx.store.listEngines().filter((e) => e.engine_id !== this.ctx.engineId);
      if (others.length > 0)
        await this.ctx.store.write((w) => {
          for (const e of others) w.removeEngine(e.engine_id);
        });
      return;
    }
    this.schedule();
  }

  /**
   * Renews every third of the lease, whatever the pass does: a pass can take long (a server's
   * settle waits for other engines' statements, a reconciliation drops databases), and an
   * engine whose renewals waited for it would look dead to the others while it takes over a
   * dead engine's work. A pass still running when the next renewal comes is not started again.
   */
  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(
      () => {
        this.renewing = this.tick().finally(() => {
          this.renewing = undefined;
          this.schedule();
        });
      },
      Math.max(1, Math.floor(this.ctx.leaseMs / 3)),
    );
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    try {
      await this.renew();
    } catch (err) {
      this.ctx.logger.error('engine_lease_not_renewed', { error: (err as Error).message });
    }
    if (this.running || this.closed) return;
    this.running = this.pass()
      .catch((err: Error) =>
        this.ctx.logger.error('dead_engines_pass_failed', { error: err.message }),
      )
      .finally(() => {
        this.passes++;
        this.running = undefined;
      });
  }

  /**
   * Renews the lease, or, when this engine's row is gone or lapsed, takes the loss: its jobs
   * stopped, then its row written again. The row is judged lost half a grace before the other
   * engines would judge it dead, and by the latest the catalog's time can be (they judge by
   * the earliest), so that a pass that found this engine dead is always seen here as a loss.
   * The new end is counted from that latest time too: a sync's error never shortens the lease
   * the others see. Both are read in the write, after the replica's refresh: a write that
   * waited (behind a pass's write) does not count from a time before it.
   */
  private async renew(): Promise<void> {
    const { store, catalogClock, engineId, leaseMs } = this.ctx;
    const found = await this.write(() => {
      const mine = store.getEngine(engineId);
      const now = catalogClock.latest();
      // A catalog server that restarted gave every lease a whole one from its start.
      const ends =
        mine && Math.max(Date.parse(mine.lease_expires_at), catalogClock.leasesRunFrom(leaseMs));
      const lost =
        this.registered && (ends === undefined || ends + leaseGraceMs(leaseMs) / 2 < now);
      return { lost, mine, now };
    });
    if (!found.lost) {
      this.registered = true;
      return;
    }
    const expired = found.mine?.lease_expires_at;
    this.ctx.logger.error('engine_lease_lost', {
      engine_id: engineId,
      row: found.mine ? 'lapsed' : 'removed',
      ...(expired ? { lease_expired_at: expired } : {}),
    });
    await this.own.abandon(
      "this engine's lease on the shared catalog lapsed (it was stopped or cut off from the catalog); its work may have been taken over by another engine",
    );
    await store.write((w) => w.putEngine(this.row(catalogClock.latest())));
    this.ctx.logger.info('engine_lease_taken_again', { engine_id: engineId });
  }

  /**
   * Syncs the clock and writes this engine's row unless `judge` finds it lost; the clock learns
   * whether the catalog was in reach (ownership.ts gives leases that lapsed out of reach a
   * whole lease more).
   */
  private async write<T extends { lost: boolean; now: number }>(judge: () => T): Promise<T> {
    const { store, catalogClock } = this.ctx;
    try {
      const kept = await catalogClock.sync();
      if (!kept)
        this.ctx.logger.info('catalog_clock_sync_ignored', {
          uncertainty_ms: catalogClock.uncertainty(),
        });
      const found = await store.write((w) => {
        const found = judge();
        if (!found.lost) w.putEngine(this.row(found.now));
        return found;
      });
      catalogClock.renewed();
      return found;
    } catch (err) {
      catalogClock.renewalFailed();
      throw err;
    }
  }

  private row(now: number): EngineRow {
    return {
      engine_id: this.ctx.engineId,
      started_at: this.startedAt,
      lease_expires_at: new Date(now + this.ctx.leaseMs).toISOString(),
    };
  }

  /** Finds dead engines and dead owners' records; takes their work over. */
  async pass(): Promise<LeasePassReport> {
    const { store } = this.ctx;
    // Judged by the time before the refresh: a stall after it (a loaded machine) would judge
    // the rows it fetched by a later time than they are of, missing renewals made meanwhile.
    const at = this.ctx.catalogClock.earliest();
    await store.refresh();
    const dead = store
      .listEngines()
      .filter(
        (e) => e.engine_id !== this.ctx.engineId && engineDead(this.ctx, e.lease_expires_at, at),
      )
      .map((e) => e.engine_id);
    const deadOwners = new Set(
      store
        .listPending()
        .filter((p) => ownerOf(this.ctx, p.engine_id, at) === 'dead')
        .map((p) => p.engine_id ?? ''),
    );
    const engines = [...new Set([...dead, ...deadOwners])].filter((id) => id !== '');
    // At every pass: the jobs of an engine with no row are failed too, and no row is found
    // dead here (an engine whose stop removed its row but could not write its jobs' ends).
    if (this.work.failJobs) await this.work.failJobs(engines);
    if (dead.length === 0 && deadOwners.size === 0) return { dead, reconciled: false };
    this.ctx.logger.info('dead_engines', { engines: dead, owners: [...deadOwners] });
    await this.work.reconcile();
    // A dead engine's row goes once its work is reconciled, if it is still dead: one that came
    // back meanwhile wrote it again and keeps it (it stopped its jobs first).
    if (dead.length > 0)
      await store.write((w) => {
        for (const id of dead) {
          const row = store.getEngine(id);
          if (row && engineDead(this.ctx, row.lease_expires_at)) w.removeEngine(id);
        }
      });
    return { dead, reconciled: true };
  }

  /** Stops renewing and removes this engine's row: its leftover records are anyone's now. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.renewing;
    await this.running;
    await this.ctx.store
      .write((w) => w.removeEngine(this.ctx.engineId))
      .catch((err: Error) =>
        this.ctx.logger.error('engine_lease_not_removed', { error: err.message }),
      );
  }
}

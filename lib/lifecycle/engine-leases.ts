import type { Kernel } from '../kernel/kernel.js';
import { engineDead, ownerOf } from '../kernel/ownership.js';
import type { EngineRow } from '../store/types.js';

type LeaseContext = Pick<Kernel, 'store' | 'clock' | 'logger' | 'engineId' | 'leaseMs'>;

export interface DeadEngineWork {
  /** Reconciles the work of dead engines only (lib/deletion/reconcile.ts, deadOnly). */
  reconcile(): Promise<unknown>;
  /** Fails the unfinished jobs of these engines (`engine_lost`); absent: none to fail. */
  failJobs?(engineIds: string[]): Promise<void>;
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
 */
export class EngineLeases {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private renewing?: Promise<void>;
  private closed = false;
  private readonly startedAt: string;
  /** Passes finished so far, for tests that wait for one. */
  passes = 0;

  constructor(
    private readonly ctx: LeaseContext,
    private readonly work: DeadEngineWork,
  ) {
    this.startedAt = ctx.clock().toISOString();
  }

  /** Writes this engine's row (after the start's reconciliation), then renews it. */
  async start(): Promise<void> {
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

  private renew(): Promise<void> {
    const row: EngineRow = {
      engine_id: this.ctx.engineId,
      started_at: this.startedAt,
      lease_expires_at: new Date(this.ctx.clock().getTime() + this.ctx.leaseMs).toISOString(),
    };
    return this.ctx.store.write((w) => w.putEngine(row));
  }

  /** Finds dead engines and dead owners' records; takes their work over. */
  async pass(): Promise<LeasePassReport> {
    const { store } = this.ctx;
    await store.refresh();
    const dead = store
      .listEngines()
      .filter((e) => e.engine_id !== this.ctx.engineId && engineDead(this.ctx, e.lease_expires_at))
      .map((e) => e.engine_id);
    const deadOwners = new Set(
      store
        .listPending()
        .filter((p) => ownerOf(this.ctx, p.engine_id) === 'dead')
        .map((p) => p.engine_id ?? ''),
    );
    if (dead.length === 0 && deadOwners.size === 0) return { dead, reconciled: false };
    this.ctx.logger.info('dead_engines', { engines: dead, owners: [...deadOwners] });
    const engines = [...new Set([...dead, ...deadOwners])].filter((id) => id !== '');
    if (this.work.failJobs && engines.length > 0) await this.work.failJobs(engines);
    await this.work.reconcile();
    // A dead engine's row goes once its work is reconciled; it it comes back, it writes it again.
    if (dead.length > 0)
      await store.write((w) => {
        for (const id of dead) w.removeEngine(id);
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

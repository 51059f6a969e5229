import { imageTarget } from '../config.js';
import type { DbmsServer } from '../dbms/types.js';
import type { DeleteOptions } from '../deletion/service.js';
import type { Kernel } from '../kernel/kernel.js';
import type { DeleteResult } from '../schema-types.js';
import type { ExpiryCandidate } from '../store/types.js';
import type { LifecycleSettings } from './settings.js';

/** The one way the reaper drops an instance: the ordinary delete (lib/deletion/service.ts). */
export interface InstanceDeleter {
  deleteInstance(ref: string, opts: DeleteOptions): Promise<DeleteResult>;
}

type ReaperContext = Pick<Kernel, 'store' | 'config' | 'servers' | 'clock' | 'logger'>;

/** What one pass did, for the log and for tests. */
export interface ReapReport {
  /** Instances whose last use moved to now (sessions seen on a sliding expiry). */
  touched: string[];
  dropped: string[];
  /** Expired, kept: sessions within the grace, or a session that came in before the drop. */
  kept: string[];
  failed: string[];
}

/**
 * Drops expired instances (docs/lifecycle.md, "The reaper"): at start and every interval. One
 * catalog query finds the candidates (due now, or sliding and due within two intervals), one query per server counts their sessions; instances
 * of a sliding expiry that have sessions are used, so their expiry moves; an expired one
 * without sessions is deleted, one with sessions only once the grace has passed too, with
 * force. The first pass after a start moves every sliding expiry first: the time the engine
 * was stopped does not count. A server or a row that fails is logged and left for the next pass.
 */
export class Reaper {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private closed = false;
  /** No pass yet: the time the engine was not running does not count (the first pass). */
  private fresh = true;
  /** Passes finished so far, for tests that wait for one. */
  passes = 0;

  constructor(
    private readonly ctx: ReaperContext,
    private readonly deletion: InstanceDeleter,
    private readonly settings: LifecycleSettings,
    /** After each pass: the cache budget's pass (docs/lifecycle.md), in the background. */
    private readonly afterPass: () => void = () => {},
  ) {}

  /** The first pass now (after the start's reconciliation), then every interval. */
  start(): void {
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.running = this.pass()
        .catch((err: Error) => this.ctx.logger.error('reap_failed', { error: err.message }))
        .finally(() => {
          this.passes++;
          this.running = undefined;
          if (!this.closed) this.afterPass();
          this.schedule(this.settings.reapIntervalMs);
        });
    }, ms);
    // The reaper alone never keeps a process alive (the idle timer decides when to stop).
    this.timer.unref();
  }

  async pass(): Promise<ReapReport> {
    const report: ReapReport = { touched: [], dropped: [], kept: [], failed: [] };
    const now = this.ctx.clock();
    const nowIso = now.toISOString();
    // The first pass after a start: nobody could use a sliding instance while the engine was
    // stopped, so each one's last use moves to now before any expiry is judged.
    const resumed = this.fresh;
    // Later passes look at a sliding instance only once it expires before the pass after next
    // (two intervals: a margin for a pass's own length), so a pass reads the few instances
    // near their end, not every sliding one (docs/lifecycle.md, The reaper).
    const slidingBy = resumed
      ? undefined
      : new Date(now.getTime() + 2 * this.settings.reapIntervalMs).toISOString();
    const rows = this.ctx.store.expiryCandidates(nowIso, slidingBy);
    if (rows.length === 0) {
      this.fresh = false;
      return report;
    }
    const sessions = await this.sessionCounts(rows, report);
    const used = rows.filter(
      (r) => r.idle_ttl_seconds !== null && (resumed || (sessions.get(r.db_name) ?? 0) > 0),
    );
    if (used.length > 0) {
      const ids = used.map((r) => r.instance_id);
      await this.ctx.store.write((w) => w.touchInstances(ids, nowIso));
      report.touched.push(...ids);
    }
    this.fresh = false; // only once that write is made: a pass that failed first tries again
    for (const row of rows) {
      const n = sessions.get(row.db_name);
      if (n === undefined || row.expires_at === null || row.expires_at > nowIso) continue;
      if (row.idle_ttl_seconds !== null && (resumed || n > 0)) continue; // just moved on
      const overdue = now.getTime() - Date.parse(row.expires_at);
      if (n > 0 && overdue < this.settings.graceMs) {
        report.kept.push(row.instance_id);
        continue;
      }
      await this.drop(row, n > 0, nowIso, report);
    }
    if (report.dropped.length + report.kept.length + report.failed.length > 0)
      this.ctx.logger.info('reaped', { ...report, touched: report.touched.length });
    return report;
  }

  /** Sessions per candidate database, one query per server; a server that fails is skipped. */
  private async sessionCounts(
    rows: ExpiryCandidate[],
    report: ReapReport,
  ): Promise<Map<string, number>> {
    const byServer = new Map<DbmsServer, ExpiryCandidate[]>();
    for (const row of rows) {
      try {
        const server = this.ctx.servers(imageTarget(this.ctx.config, row.image_id));
        const group = byServer.get(server);
        if (group) group.push(row);
        else byServer.set(server, [row]);
      } catch (err) {
        report.failed.push(row.instance_id);
        this.ctx.logger.error('reap_skipped', {
          instance: row.instance_id,
          error: (err as Error).message,
        });
      }
    }
    const counts = new Map<string, number>();
    for (const [server, serverRows] of byServer) {
      try {
        const found = await server.sessions(serverRows.map((r) => r.db_name));
        for (const r of serverRows) counts.set(r.db_name, found.get(r.db_name) ?? 0);
      } catch (err) {
        report.failed.push(...serverRows.map((r) => r.instance_id));
        this.ctx.logger.error('reap_server_failed', {
          instances: serverRows.length,
          error: (err as Error).message,
        });
      }
    }
    return counts;
  }

  /** An ordinary delete, unless the instance was renewed (or moved on) while it waited. */
  private async drop(row: ExpiryCandidate, force: boolean, nowIso: string, report: ReapReport) {
    const stillDue = (id: string) => {
      const current = this.ctx.store.getInstance(id)?.expires_at;
      return current !== null && current !== undefined && current <= nowIso;
    };
    try {
      const result = await this.deletion.deleteInstance(row.instance_id, {
        force,
        dryRun: false,
        onlyIf: stillDue,
      });
      if (result.outcome === 'deleted') report.dropped.push(row.instance_id);
      else report.kept.push(row.instance_id);
      this.ctx.logger.info('instance_expired', {
        instance: row.instance_id,
        expires_at: row.expires_at,
        outcome: result.outcome,
        forced: force,
      });
    } catch (err) {
      const code = (err as { code?: string }).code;
      // Gone meanwhile (another delete) or renewed: nothing to do.
      if (code === 'not_found' || code === 'conflict') return;
      report.failed.push(row.instance_id);
      this.ctx.logger.error('reap_failed', {
        instance: row.instance_id,
        error: (err as Error).message,
      });
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.running;
  }
}

import { sqlrsError } from '../errors.js';
import { KeyedMutex } from '../kernel/keyed-mutex.js';
import { resolveInstanceIdPrefix, resolveStateId } from '../registry.js';
import type { DeleteResult } from '../schema-types.js';
import type { DeletionContext, JobControl } from './context.js';
import { executeDelete } from './execute.js';
import { planInstanceDelete, planStateDelete, subtreeStateIds } from './plan.js';
import { type ReconcileReport, reconcile } from './reconcile.js';

export interface DeleteOptions {
  force: boolean;
  dryRun: boolean;
  recurse?: boolean;
  /**
   * Checked once the delete's turn has come, with the target resolved: false ends it with
   * `conflict` before anything is touched (the reaper: an instance renewed meanwhile).
   */
  onlyIf?: (id: string) => boolean;
}

/** Deletion of instances, states and jobs, and reconciliation; what the DELETE handlers call. */
export class DeletionService {
  private lastReport: ReconcileReport = {
    unknown: [],
    dropped: [],
    forgotten: [],
    unreachable: [],
    logins: [],
  };

  /**
   * One delete (or reconciliation) at a time: two over the same databases would alter and drop
   * them at once (the server answers "tuple concurrently updated"). The later one then resolves
   * its target afresh and finds it gone (404), or plans what is left.
   */
  private readonly serial = new KeyedMutex();

  constructor(
    private readonly ctx: DeletionContext,
    private readonly jobs: JobControl,
  ) {}

  deleteInstance(ref: string, opts: DeleteOptions): Promise<DeleteResult> {
    return this.serial.run('delete', async () => {
      const id = resolveInstanceIdPrefix(this.ctx.store, ref);
      if (opts.onlyIf && !opts.onlyIf(id)) {
        throw sqlrsError('conflict', `instance ${id} changed while its delete waited`);
      }
      return executeDelete(this.ctx, await planInstanceDelete(this.ctx, id, opts.force), opts);
    });
  }

  /**
   * A real delete marks the states of the tree, in the same turn as it reads the tree, until it
   * ends: jobs finishing work from them wait for it (lib/kernel/deletions-in-progress.ts).
   */
  deleteState(ref: string, opts: DeleteOptions): Promise<DeleteResult> {
    return this.serial.run('delete', async () => {
      const id = resolveStateId(this.ctx.store, ref);
      const ids = subtreeStateIds(this.ctx, id);
      const end = opts.dryRun ? () => {} : this.ctx.deletions.begin(ids);
      try {
        const plan = await planStateDelete(this.ctx, id, {
          recurse: opts.recurse ?? false,
          force: opts.force,
        });
        return await executeDelete(this.ctx, plan, opts);
      } finally {
        end();
      }
    });
  }

  /** A job is blocked while it runs (or waits) unless forced; force cancels it first. */
  async deleteJob(jobId: string, opts: DeleteOptions): Promise<DeleteResult> {
    const job = this.jobs.get(jobId);
    if (!job) throw sqlrsError('not_found', `job ${jobId} not found`);
    const active = !job.finished;
    const root = {
      kind: 'job' as const,
      id: jobId,
      ...(active && !opts.force ? { blocked: 'active_tasks' as const } : {}),
    };
    if (opts.dryRun)
      return { dry_run: true, outcome: root.blocked ? 'blocked' : 'would_delete', root };
    if (root.blocked) return { dry_run: false, outcome: 'blocked', root };
    if (active) await this.jobs.cancel(jobId);
    this.jobs.remove(jobId);
    return { dry_run: false, outcome: 'deleted', root };
  }

  /** At start-up, and on demand (tests): never touches the work of jobs running now. */
  reconcile(): Promise<ReconcileReport> {
    return this.serial.run('delete', async () => {
      this.lastReport = await reconcile(this.ctx, this.jobs.activeJobIds());
      return this.lastReport;
    });
  }

  unknownDatabases(): string[] {
    return this.lastReport.unknown;
  }

  lastReconcile(): ReconcileReport {
    return this.lastReport;
  }
}

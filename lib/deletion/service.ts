import { sqlrsError } from '../errors.js';
import { KeyedMutex } from '../kernel/keyed-mutex.js';
import { resolveInstanceIdPrefix, resolveStateId } from '../registry.js';
import type { DeleteResult } from '../schema-types.js';
import type { DeletionContext, JobControl } from './context.js';
import { executeDelete } from './execute.js';
import { deleteJobWith } from './job-delete.js';
import { planInstanceDelete, planStateDelete, subtreeStateIds } from './plan.js';
import { type ReconcileOptions, type ReconcileReport, reconcile } from './reconcile.js';

export interface DeleteOptions {
  force: boolean;
  dryRun: boolean;
  recurse?: boolean;
  /**
   * Checked once the delete's turn has come, with the target resolved, and again in the turn
   * that commits to the drop (lib/deletion/execute.ts): false ends it with `conflict` before
   * anything is dropped (the reaper: an instance renewed meanwhile; the cache budget: a state
   * a job came to need).
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

  /**
   * What an unconditional delete is removing now (deletes run one at a time): the instance, or
   * the states of a recursive delete's tree. A renew of such an instance is refused.
   */
  private readonly instancesGoing = new Set<string>();
  private readonly treesGoing = new Set<string>();

  constructor(
    private readonly ctx: DeletionContext,
    private readonly jobs: JobControl,
  ) {}

  deleteInstance(ref: string, opts: DeleteOptions): Promise<DeleteResult> {
    return this.serial.run('delete', async () => {
      const id = resolveInstanceIdPrefix(this.ctx.store, ref);
      const onlyIf = checked('instance', id, opts.onlyIf);
      // A delete with a condition is committed only when its drops are recorded.
      const marked = !opts.dryRun && !opts.onlyIf;
      if (marked) this.instancesGoing.add(id);
      try {
        const plan = await planInstanceDelete(this.ctx, id, opts.force);
        return await executeDelete(this.ctx, plan, { ...opts, onlyIf });
      } finally {
        if (marked) this.instancesGoing.delete(id);
      }
    });
  }

  /**
   * A real delete marks the states of the tree, in the same turn as it reads the tree, until it
   * ends: jobs finishing work from them wait for it (lib/kernel/deletions-in-progress.ts).
   */
  deleteState(ref: string, opts: DeleteOptions): Promise<DeleteResult> {
    return this.serial.run('delete', async () => {
      const id = resolveStateId(this.ctx.store, ref);
      const onlyIf = checked('state', id, opts.onlyIf);
      const ids = subtreeStateIds(this.ctx, id);
      const end = opts.dryRun ? () => {} : this.ctx.deletions.begin(ids);
      const marked = !opts.dryRun && !opts.onlyIf && opts.recurse === true;
      if (marked) for (const s of ids) this.treesGoing.add(s);
      try {
        const plan = await planStateDelete(this.ctx, id, {
          recurse: opts.recurse ?? false,
          force: opts.force,
        });
        return await executeDelete(this.ctx, plan, { ...opts, onlyIf });
      } finally {
        end();
        if (marked) for (const s of ids) this.treesGoing.delete(s);
      }
    });
  }

  /**
   * Whether a delete is removing the instance now (docs/lifecycle.md, renew answers 409): an
   * unconditional delete of it or of its state's tree in its turn, or drops already recorded.
   */
  instanceGoing(instanceId: string): boolean {
    if (this.instancesGoing.has(instanceId)) return true;
    const row = this.ctx.store.getInstance(instanceId);
    if (row && this.treesGoing.has(row.state_id)) return true;
    return this.ctx.store
      .listPending()
      .some(
        (p) =>
          p.kind === 'drop' &&
          p.target_id === instanceId &&
          (p.reason === 'delete' || p.reason == null),
      );
  }

  /** A job is blocked while it runs (or waits) unless forced; force cancels it first. */
  async deleteJob(jobId: string, opts: DeleteOptions): Promise<DeleteResult> {
    const job = this.jobs.get(jobId);
    if (!job) throw sqlrsError('not_found', `job ${jobId} not found`);
    return deleteJobWith(jobId, opts, {
      active: !job.finished,
      end: () => this.jobs.cancel(jobId),
      remove: () => this.jobs.remove(jobId),
    });
  }

  /** At start-up, and on demand (tests): never touches the work of jobs running now. */
  reconcile(opts: ReconcileOptions = {}): Promise<ReconcileReport> {
    return this.serial.run('delete', async () => {
      this.lastReport = await reconcile(this.ctx, this.jobs.activeJobIds(), opts);
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

/** Asks `onlyIf` now (the delete's turn); answers the check to ask again at the commit. */
function checked(
  kind: 'instance' | 'state',
  id: string,
  onlyIf: ((id: string) => boolean) | undefined,
): (() => boolean) | undefined {
  if (!onlyIf) return undefined;
  if (!onlyIf(id)) throw sqlrsError('conflict', `${kind} ${id} changed while its delete waited`);
  return () => onlyIf(id);
}

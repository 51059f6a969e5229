import {
  type ErrorBody,
  errorCode,
  invalidArgument,
  jobCancelled,
  sqlrsError,
  toErrorBody,
} from '../../errors.js';
import { H } from '../../hash.js';
import { newJobId } from '../../id.js';
import { validateName } from '../../registry.js';
import type { PrepareRequest } from '../../schema-types.js';
import { acceptRequest } from '../accept/requests.js';
import { executeJob, type JobSpec } from '../build/executor.js';
import { chainStates } from '../build/planner.js';
import type { PrepareContext } from '../context.js';
import { Job } from './job.js';
import { type JobBoard, localJobBoard } from './job-board.js';

/** How long a finished job is kept at least (config `job_retention`). */
export const DEFAULT_JOB_RETENTION = '15m';

export interface JobLimits {
  maxConcurrent: number;
  queueLimit: number;
  /**
   * A finished job is kept at least this long after it finished (ms), so every client that
   * follows or polls its own job gets its result (docs/prepare.md, "Jobs").
   */
  retentionMs: number;
  /** Beyond their retention, the newest this many finished jobs are kept. */
  keepTotal: number;
}

/**
 * The job manager: validates and hashes a request before accepting it (so every argument and
 * include error is a 400), queues jobs, runs at most `maxConcurrent` at once, trims finished
 * jobs, and cancels.
 */
export class JobManager {
  private readonly jobs = new Map<string, Job>();
  private readonly specs = new Map<string, JobSpec>();
  private readonly queue: Job[] = [];
  private readonly running = new Map<string, Promise<void>>();
  private readonly reservedNames = new Map<string, string>();
  private activity: (delta: 1 | -1) => void = () => undefined;
  private trimmedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly ctx: PrepareContext,
    private readonly limits: JobLimits,
    /** Where other engines see these jobs (a shared catalog); the local board by default. */
    readonly board: JobBoard = localJobBoard(),
  ) {
    // A cancel asked through another engine: the same as one asked here.
    board.onCancelRequested((id) => this.requestCancel(id));
    // A finished job deleted through another engine is gone here too.
    board.onRemoved((id) => {
      if (this.jobs.get(id)?.finished) this.jobs.delete(id);
    });
  }

  /** Told of each job from its queueing (+1) to its end (-1): the engine's idle timer. */
  onActivity(listener: (delta: 1 | -1) => void): void {
    this.activity = listener;
  }

  /** `signal`: the client is gone; hashing stops and nothing is queued. */
  async submit(req: PrepareRequest, signal?: AbortSignal): Promise<Job> {
    this.trim(); // jobs past their retention go as new ones come, not only as others end
    this.checkName(req);
    if (this.queue.length >= this.limits.queueLimit) {
      throw sqlrsError('busy', `the job queue is full (${this.limits.queueLimit} waiting)`);
    }
    const accepted = await acceptRequest(this.ctx, req, signal);
    this.checkName(req); // hashing yields the thread: check again before taking the name
    const args = accepted.args.join(' ');
    const job = new Job({
      id: newJobId(),
      kind: accepted.kind,
      imageId: accepted.target.imageId,
      planOnly: req.plan_only ?? false,
      argsNormalized: args,
      signature: H([
        ['kind', accepted.kind],
        ['image', accepted.target.imageId],
        ['args', JSON.stringify(accepted.args)],
        ['stdin', req.stdin ?? ''],
        ['plan_only', String(req.plan_only ?? false)],
        ['name', req.name ?? ''],
      ]),
      createdAt: this.ctx.clock().toISOString(),
      clock: this.ctx.clock,
    });
    if (req.name) this.reservedNames.set(req.name, job.id);
    this.jobs.set(job.id, job);
    this.specs.set(job.id, { ...accepted, name: req.name, ttlSeconds: req.ttl_seconds });
    this.board.publish(job);
    job.emit({ type: 'status', status: 'queued' });
    this.queue.push(job);
    this.activity(1);
    this.ctx.logger.info('job_queued', { job_id: job.id, args });
    this.pump();
    return job;
  }

  /** A name bound to an instance that still exists, or claimed by an active job, is taken. */
  private checkName(req: PrepareRequest): void {
    if (!req.name) return;
    validateName(req.name); // the schema checks the characters; this also refuses an id's shape
    if (req.plan_only)
      throw invalidArgument('name cannot be used with plan_only (nothing is created)');
    const bound = this.ctx.store.getName(req.name);
    if (bound && this.ctx.store.getInstance(bound.instance_id)) {
      throw sqlrsError('conflict', `name ${req.name} is bound to instance ${bound.instance_id}`);
    }
    const claimant = this.reservedNames.get(req.name);
    if (claimant)
      throw sqlrsError('conflict', `name ${req.name} is being bound by job ${claimant}`);
  }

  private pump(): void {
    while (this.running.size < this.limits.maxConcurrent && this.queue.length > 0) {
      this.start(this.queue.shift() as Job);
    }
  }

  /** Registers the run before it starts: run() removes itself from `running` when it ends. */
  private start(job: Job): void {
    this.running.set(
      job.id,
      Promise.resolve().then(() => this.run(job)),
    );
  }

  private async run(job: Job): Promise<void> {
    const spec = this.specs.get(job.id) as JobSpec;
    try {
      if (job.abort.signal.aborted) throw jobCancelled();
      await executeJob(this.ctx, job, spec);
      this.ctx.logger.info('job_succeeded', { job_id: job.id });
    } catch (err) {
      job.fail(this.jobError(job, err));
    } finally {
      if (spec.name && this.reservedNames.get(spec.name) === job.id)
        this.reservedNames.delete(spec.name);
      this.specs.delete(job.id);
      this.running.delete(job.id);
      this.trim();
      this.pump();
      this.activity(-1);
    }
  }

  private jobError(job: Job, err: unknown): ErrorBody {
    const code = job.abort.signal.aborted ? 'cancelled' : errorCode(err);
    if (code === 'cancelled') {
      const reason = job.abort.signal.reason;
      return {
        code,
        message: typeof reason === 'string' ? `job cancelled: ${reason}` : 'job cancelled',
      };
    }
    this.ctx.logger.error('job_failed', {
      job_id: job.id,
      code: code ?? 'internal_error',
      error: String((err as Error)?.stack ?? err),
    });
    return toErrorBody(err);
  }

  /**
   * The states queued and running jobs need (their chains), and the images whose chains cannot
   * be named yet (not resolved by this engine): the cache budget evicts none of them.
   */
  neededStates(): { stateIds: Set<string>; images: Set<string> } {
    const stateIds = new Set<string>();
    const images = new Set<string>();
    for (const [jobId, spec] of this.specs) {
      if (this.jobs.get(jobId)?.finished) continue;
      const resolved = this.ctx.resolved.get(spec.target.imageId);
      if (resolved === undefined) images.add(spec.target.imageId);
      else
        for (const p of chainStates(this.ctx, resolved, spec.taskHashes)) stateIds.add(p.stateId);
    }
    return { stateIds, images };
  }

  get(id: string): Job | undefined {
    return this.jobs.get(id);
  }

  list(jobId?: string): Job[] {
    if (jobId !== undefined) return this.jobs.has(jobId) ? [this.jobs.get(jobId) as Job] : [];
    return [...this.jobs.values()];
  }

  /**
   * Asks a job to stop (docs/deletion.md): the running psql gets SIGTERM then SIGKILL, its query is
   * cancelled on the server, the build database dropped; the job ends failed/cancelled.
   * Returns false for a job that had already finished.
   */
  requestCancel(id: string, reason?: string): boolean {
    const job = this.jobs.get(id);
    if (!job || job.finished) return false;
    job.abort.abort(reason);
    const queued = this.queue.indexOf(job);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      this.start(job);
    }
    return true;
  }

  /** Cancels and resolves once the job has ended. */
  async cancel(id: string, reason?: string): Promise<void> {
    if (this.requestCancel(id, reason)) await this.running.get(id);
  }

  activeJobIds(): Set<string> {
    return new Set([...this.jobs.values()].filter((j) => !j.finished).map((j) => j.id));
  }

  remove(id: string): boolean {
    const job = this.jobs.get(id);
    if (!job?.finished) return false;
    if (this.board.shared) {
      // After its end is written: the row is there to remove, and no later write brings it back.
      void this.board
        .settled(job)
        .then(() => this.board.remove(id))
        .catch((err: Error) =>
          this.ctx.logger.error('job_row_not_removed', { job_id: id, error: err.message }),
        );
    }
    return this.jobs.delete(id);
  }

  /** Cancels everything (engine shutdown): running builds are stopped and their databases dropped. */
  async shutdown(): Promise<void> {
    // Said in the job's error: a client following the job learns why it was cancelled.
    await Promise.all([...this.jobs.keys()].map((id) => this.cancel(id, 'the engine is stopping')));
  }

  /**
   * Forgets the finished jobs that are both past their retention and older than the newest
   * `keepTotal` finished ones. Memory is bounded per job (its event log), not by forgetting a
   * job someone may still be waiting on: identical requests a second apart are each their
   * own client's.
   */
  private trim(): void {
    if (this.jobs.size <= this.limits.keepTotal) return; // none can go: the usual case
    const now = this.ctx.clock().getTime();
    // A pass reads every job kept: under load (many thousands within their retention) at
    // most one a second, rather than one per job submitted and ended.
    if (now - this.trimmedAt < 1000) return;
    this.trimmedAt = now;
    let finished = 0;
    for (const job of [...this.jobs.values()].reverse()) {
      if (!job.finished) continue;
      finished++;
      const expired = now - (job.finishedAtMs ?? now) >= this.limits.retentionMs;
      if (expired && finished > this.limits.keepTotal) this.jobs.delete(job.id);
    }
  }
}

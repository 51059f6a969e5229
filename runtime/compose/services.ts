import { mkdirSync } from 'node:fs';
import type { EngineConfig } from '../../lib/config.js';
import { DeletionService } from '../../lib/deletion/service.js';
import { parseDuration } from '../../lib/duration.js';
import { createKernel } from '../../lib/kernel/kernel.js';
import { cacheBudget } from '../../lib/lifecycle/budget.js';
import { EngineLeases } from '../../lib/lifecycle/engine-leases.js';
import { CacheEviction } from '../../lib/lifecycle/eviction.js';
import { Reaper } from '../../lib/lifecycle/reaper.js';
import { lifecycleSettings } from '../../lib/lifecycle/settings.js';
import { HashCache } from '../../lib/prepare/accept/hash-cache.js';
import { DEFAULT_HASH_TIMEOUT } from '../../lib/prepare/accept/hash-limits.js';
import type { PrepareContext } from '../../lib/prepare/context.js';
import { DEFAULT_WARM_POOL, WarmPool } from '../../lib/prepare/hand-out/warm-pool.js';
import { type JobBoard, localJobBoard } from '../../lib/prepare/jobs/job-board.js';
import { DEFAULT_JOB_RETENTION, JobManager } from '../../lib/prepare/jobs/job-manager.js';
import { LeftoverDrops } from '../../lib/prepare/records/leftover-drops.js';
import { Reservations } from '../../lib/prepare/records/reservations.js';
import { PgJobBoard } from '../../lib/store/postgres/job-board.js';
import type { Store } from '../../lib/store/types.js';
import type { TrustSettings } from '../../lib/trust.js';
import type { Logger } from '../edge/types.js';
import { createWorkerPool } from '../pool/pool.js';

export interface PrepareServices {
  jobs: JobManager;
  /** Where other engines see this engine's jobs and this one sees theirs (docs/scaling.md). */
  jobBoard: JobBoard;
  deletion: DeletionService;
  /** The cache budget's passes (docs/lifecycle.md). */
  eviction: CacheEviction;
  ctx: PrepareContext;
  /** Drops expired instances; started once the start's reconciliation is done. */
  reaper: Reaper;
  /** This engine's lease and the pass over dead engines' work; started like the reaper. */
  leases: EngineLeases;
  close(): Promise<void>;
}

export interface PrepareServicesOptions {
  store: Store;
  config: EngineConfig;
  trust: TrustSettings;
  clock: () => Date;
  logger: Logger;
  runDir: string;
  /** This engine's id (deps.engine.instanceId): its lease and the owner of its records. */
  engineId?: string;
}

/**
 * Builds the kernel, prepare's services over it, the job manager and the deletion service,
 * each from what it needs; close() cancels jobs and frees all.
 */
export function createPrepareServices(opts: PrepareServicesOptions): PrepareServices {
  const { config } = opts;
  mkdirSync(opts.runDir, { recursive: true, mode: 0o700 });
  const { kernel, close: closeServers } = createKernel(opts);
  const pool = createWorkerPool(config.worker_threads);
  const reservations = new Reservations(kernel);
  const leftoverDrops = new LeftoverDrops(kernel);
  const warmPool = new WarmPool(
    { ...kernel, leftoverDrops },
    {
      perState: config.warm_pool?.per_state ?? DEFAULT_WARM_POOL.perState,
      maxTotal: config.warm_pool?.max_total ?? DEFAULT_WARM_POOL.maxTotal,
    },
  );
  // The budget's pass after each build needs the deletion service, which needs the jobs,
  // which need this context: the hook is bound once the pass exists, below.
  let evictSoon = () => {};
  const ctx: PrepareContext = {
    ...kernel,
    afterBuild: () => evictSoon(),
    pool,
    hashCache: new HashCache(),
    warmPool,
    reservations,
    leftoverDrops,
    resolved: new Map(),
    runDir: opts.runDir,
    psqlPath: config.psql_path ?? 'psql',
    psqlVersions: new Map(),
    maxLogLines: config.max_log_lines ?? 1000,
    killGraceMs: 2000,
    hashTimeoutMs: parseDuration(config.hash_timeout ?? DEFAULT_HASH_TIMEOUT),
  };
  const limits = {
    maxConcurrent: config.max_concurrent_jobs ?? pool.size,
    queueLimit: config.queue_limit ?? 64,
    retentionMs: parseDuration(config.job_retention ?? DEFAULT_JOB_RETENTION),
    keepTotal: 1000,
  };
  // Jobs are rows of a shared catalog, seen by every engine; embedded, they stay in memory.
  const where = kernel.store.catalogServer;
  const jobBoard = where
    ? new PgJobBoard({
        ...where,
        engineId: kernel.engineId,
        clock: opts.clock,
        retentionMs: limits.retentionMs,
        keepTotal: limits.keepTotal,
        pollMs: Math.max(100, Math.floor(kernel.leaseMs / 3)),
        onError: (error) => opts.logger.error('job_board_failed', { error }),
      })
    : localJobBoard();
  const jobs = new JobManager(ctx, limits, jobBoard);
  const deletion = new DeletionService({ ...kernel, warmPool, reservations }, jobs);
  const eviction = new CacheEviction({
    kernel,
    budget: cacheBudget(config),
    deleteState: (id, onlyIf) => deletion.deleteState(id, { force: false, dryRun: false, onlyIf }),
    evictCopies: (rows) => warmPool.evictCopies(rows),
    needed: () => jobs.neededStates(),
  });
  evictSoon = () => eviction.afterBuild();
  const reaper = new Reaper(kernel, deletion, lifecycleSettings(config), evictSoon);
  const leases = new EngineLeases(
    kernel,
    {
      reconcile: () => deletion.reconcile({ deadOnly: true }),
      failJobs: jobBoard.shared
        ? async (engineIds) => {
            const failed = await jobBoard.failJobsOf(engineIds);
            if (failed > 0) opts.logger.info('jobs_of_dead_engines_failed', { engineIds, failed });
          }
        : undefined,
    },
    // A lease found lost: every unfinished job ends (its databases may be dropped already).
    {
      abandon: async (reason) => {
        await Promise.all([...jobs.activeJobIds()].map((id) => jobs.cancel(id, reason)));
      },
    },
  );
  return {
    jobs,
    jobBoard,
    deletion,
    eviction,
    ctx,
    reaper,
    leases,
    async close() {
      await reaper.close(); // first: a pass under way ends before what it deletes with
      await jobs.shutdown();
      await jobBoard.close(); // the cancelled jobs' ends written before the lease goes
      await eviction.idle();
      leftoverDrops.close();
      await warmPool.close();
      reservations.close();
      await leases.close(); // last of the catalog work: what is left is anyone's now
      await pool.close();
      await closeServers();
    },
  };
}

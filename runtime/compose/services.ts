import { mkdirSync } from 'node:fs';
import type { EngineConfig, ImageTarget } from '../../lib/config.js';
import { MysqlServer } from '../../lib/dbms/mysql/server.js';
import { dbNames } from '../../lib/dbms/names.js';
import { PostgresServer } from '../../lib/dbms/postgres/server.js';
import type { DbmsServer } from '../../lib/dbms/types.js';
import { DeletionsInProgress } from '../../lib/deletion/in-progress.js';
import { DeletionService } from '../../lib/deletion/service.js';
import { parseDuration } from '../../lib/duration.js';
import { KeyedMutex } from '../../lib/kernel/keyed-mutex.js';
import { HashCache } from '../../lib/prepare/accept/hash-cache.js';
import { DEFAULT_HASH_TIMEOUT } from '../../lib/prepare/accept/hash-limits.js';
import type { PrepareContext } from '../../lib/prepare/context.js';
import { DEFAULT_WARM_POOL, WarmPool } from '../../lib/prepare/hand-out/warm-pool.js';
import { DEFAULT_JOB_RETENTION, JobManager } from '../../lib/prepare/jobs/job-manager.js';
import { LeftoverDrops } from '../../lib/prepare/records/leftover-drops.js';
import { Reservations } from '../../lib/prepare/records/reservations.js';
import type { Store } from '../../lib/store/types.js';
import type { TrustSettings } from '../../lib/trust.js';
import type { Logger } from '../edge/types.js';
import { createWorkerPool } from '../pool/pool.js';

export interface PrepareServices {
  jobs: JobManager;
  deletion: DeletionService;
  ctx: PrepareContext;
  close(): Promise<void>;
}

export interface PrepareServicesOptions {
  store: Store;
  config: EngineConfig;
  trust: TrustSettings;
  clock: () => Date;
  logger: Logger;
  runDir: string;
}

/** Wires the job manager to its pool, servers and catalog; close() cancels jobs and frees all. */
export function createPrepareServices(opts: PrepareServicesOptions): PrepareServices {
  const { config } = opts;
  mkdirSync(opts.runDir, { recursive: true, mode: 0o700 });
  const pool = createWorkerPool(config.worker_threads);
  const servers = new Map<string, DbmsServer>();
  const server = (target: ImageTarget): DbmsServer => {
    let s = servers.get(target.url);
    if (!s) {
      s =
        target.kind === 'mysql'
          ? new MysqlServer(target.url, opts.trust.buildRole)
          : new PostgresServer(
              target.url,
              config.clone_strategy ?? 'auto',
              opts.store.catalogId,
              config.clone_file_copy_bytes,
              undefined,
              opts.trust.buildRole,
              opts.store.lockSecret,
            );
      servers.set(target.url, s);
    }
    return s;
  };
  const ctx: PrepareContext = {
    store: opts.store,
    pool,
    config,
    trust: opts.trust,
    clock: opts.clock,
    logger: opts.logger,
    server,
    names: dbNames(opts.store.catalogId),
    stateLocks: new KeyedMutex(),
    deletions: new DeletionsInProgress(),
    hashCache: new HashCache(),
    resolved: new Map(),
    runDir: opts.runDir,
    psqlPath: config.psql_path ?? 'psql',
    psqlVersions: new Map(),
    maxLogLines: config.max_log_lines ?? 1000,
    killGraceMs: 2000,
    hashTimeoutMs: parseDuration(config.hash_timeout ?? DEFAULT_HASH_TIMEOUT),
  };
  ctx.reservations = new Reservations(ctx.store, ctx.names);
  ctx.leftoverDrops = new LeftoverDrops(ctx);
  ctx.warmPool = new WarmPool(ctx, {
    perState: config.warm_pool?.per_state ?? DEFAULT_WARM_POOL.perState,
    maxTotal: config.warm_pool?.max_total ?? DEFAULT_WARM_POOL.maxTotal,
  });
  const jobs = new JobManager(ctx, {
    maxConcurrent: config.max_concurrent_jobs ?? pool.size,
    queueLimit: config.queue_limit ?? 64,
    retentionMs: parseDuration(config.job_retention ?? DEFAULT_JOB_RETENTION),
    keepTotal: 1000,
  });
  return {
    jobs,
    deletion: new DeletionService(ctx, jobs),
    ctx,
    async close() {
      await jobs.shutdown();
      ctx.leftoverDrops?.close();
      await ctx.warmPool?.close();
      ctx.reservations?.close();
      await pool.close();
      await Promise.all([...servers.values()].map((s) => s.close().catch(() => undefined)));
    },
  };
}

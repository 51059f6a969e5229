import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { TaskName, TaskRunner } from '../../lib/tasks.js';

/** The engine's worker pool: the tasks of lib/tasks.ts, and its threads' end. */
export interface WorkerPool extends TaskRunner {
  close(): Promise<void>;
}

export const defaultPoolSize = () => Math.max(1, Math.min(4, availableParallelism()));

/**
 * Tasks that only compute (hashing, and a restricted step's inlining, which reads and scans
 * the same files): one at a time per thread, so that ending one ends nothing else.
 */
const COMPUTE_TASKS = new Set<TaskName>(['hashPsqlSteps', 'hashMysqlSteps', 'inlinePsqlStep']);

/**
 * The Piscina pools that run prepare work off the main thread. A psql step mostly waits on its
 * child process, so each step worker takes several tasks at once. Hashing is pure computation
 * and has threads of its own, one task each: a big script never holds up a step's log lines or
 * its cancel, and a hash whose client left or that ran past hash_timeout (or an inlining past
 * step_timeout, or cancelled) is stopped by ending its thread (piscina's abort), which would
 * end every other task on a shared one.
 */
export function createWorkerPool(size = defaultPoolSize()): WorkerPool {
  const filename = new URL('./worker.js', import.meta.url).href;
  const steps = new Piscina({
    filename,
    minThreads: 1,
    maxThreads: size,
    concurrentTasksPerWorker: 4,
    idleTimeout: 30_000,
  });
  const hashing = new Piscina({
    filename,
    minThreads: 1,
    maxThreads: size,
    concurrentTasksPerWorker: 1,
    idleTimeout: 30_000,
  });
  return {
    size,
    run: (task, input, transferList, signal) => {
      const pool = COMPUTE_TASKS.has(task) ? hashing : steps;
      return pool.run({ task, input }, { transferList, signal });
    },
    close: async () => {
      await Promise.all([steps.destroy(), hashing.destroy()]);
    },
  };
}

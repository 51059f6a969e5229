import { availableParallelism } from 'node:os';
import type { Transferable } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { TASKS, TaskName } from './worker.js';

type Input<K extends TaskName> = Parameters<(typeof TASKS)[K]>[0];
type Output<K extends TaskName> = Awaited<ReturnType<(typeof TASKS)[K]>>;

export interface WorkerPool {
  readonly size: number;
  run<K extends TaskName>(
    task: K,
    input: Input<K>,
    transferList?: Transferable[],
  ): Promise<Output<K>>;
  close(): Promise<void>;
}

export const defaultPoolSize = () => Math.max(1, Math.min(4, availableParallelism()));

/**
 * The Piscina pool that runs prepare work off the main thread. A psql step mostly waits on its
 * child process, so each worker takes several tasks at once: hashing for a new request is never
 * stuck behind a long-running script.
 */
export function createWorkerPool(size = defaultPoolSize()): WorkerPool {
  const piscina = new Piscina({
    filename: new URL('./worker.js', import.meta.url).href,
    minThreads: 1,
    maxThreads: size,
    concurrentTasksPerWorker: 4,
    idleTimeout: 30_000,
  });
  return {
    size,
    run: (task, input, transferList) =>
      piscina.run({ task, input }, transferList ? { transferList: transferList as never } : {}),
    close: () => piscina.destroy(),
  };
}

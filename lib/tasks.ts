import type { Transferable } from 'node:worker_threads';
import { hashMysqlSteps } from './prepare/kinds/mysql/hash-task.js';
import { runMysql } from './prepare/kinds/mysql/run-task.js';
import { digestFiles } from './prepare/kinds/psql/digest-task.js';
import { hashPsqlSteps } from './prepare/kinds/psql/hash-task.js';
import { inlinePsqlStep } from './prepare/kinds/psql/inline-task.js';
import { runPsql } from './prepare/kinds/psql/run-task.js';

/**
 * The tasks a pool worker can run, by name: each a pure function over cloneable data that
 * answers `{ ok: true, ... }` or `{ ok: false, error }` (lib/errors.ts). The pool's worker
 * (runtime/pool/worker.ts) runs them from this table, and callers name them through
 * `TaskRunner`, so both sides of the thread boundary share one contract.
 */
export const TASKS = {
  hashPsqlSteps,
  inlinePsqlStep,
  runPsql,
  hashMysqlSteps,
  runMysql,
  digestFiles,
};

type Tasks = typeof TASKS;
export type TaskName = keyof Tasks;
export type TaskInput<K extends TaskName> = Parameters<Tasks[K]>[0];
export type TaskOutput<K extends TaskName> = Awaited<ReturnType<Tasks[K]>>;

/** The worker pool as its callers see it (runtime/pool/pool.ts implements it). */
export interface TaskRunner {
  /** How many threads run step tasks at most. */
  readonly size: number;
  /**
   * Runs `task` in a worker thread. `transferList` moves ports and buffers instead of copying
   * them; `signal` ends the task, a running one by ending its worker thread (hashing only).
   */
  run<K extends TaskName>(
    task: K,
    input: TaskInput<K>,
    transferList?: readonly Transferable[],
    signal?: AbortSignal,
  ): Promise<TaskOutput<K>>;
}

/** The table seen per name: lets one call site run any task with its own input and output. */
type TaskTable = {
  [K in TaskName]: (input: TaskInput<K>) => TaskOutput<K> | Promise<TaskOutput<K>>;
};

/** Runs a task in the calling thread: the worker's entry, and tests that need no threads. */
export async function runTask<K extends TaskName>(
  task: K,
  input: TaskInput<K>,
): Promise<TaskOutput<K>> {
  const table: TaskTable = TASKS;
  return table[task](input);
}

/** A task's answer when it succeeded. */
export type TaskSuccess<K extends TaskName> = Extract<TaskOutput<K>, { ok: true }>;

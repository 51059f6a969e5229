import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { fromErrorBody, jobCancelled, type TaskResult, timedOut } from '../../errors.js';
import type { Job } from '../jobs/job.js';

/** How errors name a step: `step 2 (execute-2)`. */
export const stepName = (index: number, taskId: string) => `step ${index + 1} (${taskId})`;
/** A step's output line as its event shows it; undefined leaves it out. */
export type LineShape = (stream: 'stdout' | 'stderr', line: string) => string | undefined;

/** step_timeout for one step (0: none), and the time the step spent before its task. */
export interface StepLimit {
  ms: number;
  step: string;
  /** Spent in work before the task (beforeStepTask): the task gets the rest of `ms`. */
  spentMs?: number;
}

/**
 * Work a step does before its task starts (a restricted step's inlining, which may read and
 * scan a big include set) under the step's own limits: `work` gets a signal that a cancel of
 * the job or step_timeout aborts, and then fails with `cancelled` or `timeout`. The time it
 * took counts against step_timeout (docs/prepare.md, "Limits").
 */
export async function beforeStepTask<T>(
  job: Job,
  limit: StepLimit,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<{ value: T; spentMs: number }> {
  if (job.abort.signal.aborted) throw jobCancelled();
  const started = performance.now();
  const stop = new AbortController();
  const abort = () => stop.abort();
  job.abort.signal.addEventListener('abort', abort, { once: true });
  const timer = limit.ms > 0 ? setTimeout(abort, limit.ms) : undefined;
  try {
    const value = await work(stop.signal);
    if (stop.signal.aborted) throw stop.signal.reason;
    return { value, spentMs: performance.now() - started };
  } catch (err) {
    if (job.abort.signal.aborted) throw jobCancelled();
    if (stop.signal.aborted) throw timedOut(limit.step, 'step_timeout', limit.ms);
    throw err;
  } finally {
    clearTimeout(timer);
    job.abort.signal.removeEventListener('abort', abort);
  }
}

/**
 * Runs a step's worker task with a log channel: the task's lines become `log` events of the
 * job's task, every line is in before the result is looked at (lines and result travel on
 * different ports), and an abort of the job calls `onCancel` (and tells the worker 'cancel').
 * A failed task result is thrown as its coded error; a cancelled job as `cancelled`.
 *
 * `opts.limit` (step_timeout, 0: none): a step still running then (its `spentMs` before the
 * task counted) is stopped as a cancel stops it, and fails with `timeout` naming the step and
 * the limit (docs/prepare.md, "Limits").
 * `opts.shape` rewrites or leaves out a line before it becomes an event.
 */
export async function runWithLogChannel<T>(
  job: Job,
  taskId: string,
  onCancel: () => Promise<void>,
  start: (port: MessagePort) => Promise<TaskResult<T>>,
  opts: { limit?: StepLimit; shape?: LineShape } = {},
): Promise<{ ok: true } & T> {
  const limit = opts.limit ?? { ms: 0, step: taskId };
  const shape = opts.shape ?? ((_, line) => line);
  if (job.abort.signal.aborted) throw jobCancelled();
  const left = limit.ms - (limit.spentMs ?? 0);
  if (limit.ms > 0 && left <= 0) throw timedOut(limit.step, 'step_timeout', limit.ms);
  const channel = new MessageChannel();
  let linesDone: () => void = () => undefined;
  const allLines = new Promise<void>((resolve) => {
    linesDone = resolve;
  });
  channel.port1.on(
    'message',
    (msg: { type: string; stream: 'stdout' | 'stderr'; line: string }) => {
      if (msg.type === 'end') return linesDone();
      const line = msg.type === 'log' ? shape(msg.stream, msg.line) : undefined;
      if (line !== undefined) job.log(taskId, line);
    },
  );
  channel.port1.once('close', () => linesDone());
  const cancel = () => {
    channel.port1.postMessage('cancel');
    onCancel().catch(() => undefined);
  };
  job.abort.signal.addEventListener('abort', cancel, { once: true });
  let overtime = false;
  const timer =
    limit.ms > 0
      ? setTimeout(() => {
          overtime = true;
          cancel();
        }, left)
      : undefined;
  try {
    const res = await start(channel.port2);
    await allLines;
    // Before the result: what the step says after being stopped is the stop, not its failure.
    if (overtime && !job.abort.signal.aborted)
      throw timedOut(limit.step, 'step_timeout', limit.ms, lastError(res));
    if (!res.ok) throw fromErrorBody(res.error);
    if (job.abort.signal.aborted) throw jobCancelled();
    return res;
  } finally {
    clearTimeout(timer);
    job.abort.signal.removeEventListener('abort', cancel);
    channel.port1.close();
  }
}

/** What the stopped step's task reported last, for the timeout's details. */
function lastError(res: TaskResult<unknown>): string | undefined {
  return res.ok ? undefined : res.error.message;
}

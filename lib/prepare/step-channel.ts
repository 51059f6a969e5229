import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { type ErrorBody, fromErrorBody, jobCancelled } from '../errors.js';
import type { Job } from './job.js';

/** A step's output line as its event shows it; undefined leaves it out. */
export type LineShape = (stream: 'stdout' | 'stderr', line: string) => string | undefined;

/**
 * Runs a step's worker task with a log channel: the task's lines become `log` events of the
 * job's task, every line is in before the result is looked at (lines and result travel on
 * different ports), and an abort of the job calls `onCancel` (and tells the worker 'cancel').
 * A failed task result is thrown as its coded error; a cancelled job as `cancelled`.
 * `shape` rewrites or leaves out a line before it becomes an event.
 */
export async function runWithLogChannel<R extends { ok: boolean; error?: ErrorBody }>(
  job: Job,
  taskId: string,
  onCancel: () => Promise<void>,
  start: (port: MessagePort) => Promise<R>,
  shape: LineShape = (_, line) => line,
): Promise<R> {
  if (job.abort.signal.aborted) throw jobCancelled();
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
  try {
    const res = await start(channel.port2);
    await allLines;
    if (!res.ok) throw fromErrorBody(res.error as ErrorBody);
    if (job.abort.signal.aborted) throw jobCancelled();
    return res;
  } finally {
    job.abort.signal.removeEventListener('abort', cancel);
    channel.port1.close();
  }
}

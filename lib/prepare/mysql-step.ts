import { MessageChannel } from 'node:worker_threads';
import type { DbmsServer } from '../dbms/types.js';
import { fromErrorBody, invalidArgument, sqlrsError } from '../errors.js';
import type { PrepareContext } from './context.js';
import type { Job } from './job.js';

/**
 * Runs one mysql step's statements in the worker pool on the build schema. Each statement's
 * outcome is a `log` event; an abort of the job kills the running query (KILL QUERY).
 */
export async function runMysqlStep(
  ctx: PrepareContext,
  job: Job,
  taskId: string,
  step: { index: number; statements: string[]; url: string; buildDb: string; server: DbmsServer },
): Promise<void> {
  if (job.abort.signal.aborted) throw sqlrsError('cancelled', 'job cancelled');
  const channel = new MessageChannel();
  let linesDone: () => void = () => undefined;
  const allLines = new Promise<void>((resolve) => {
    linesDone = resolve;
  });
  channel.port1.on('message', (msg: { type: string; line: string }) => {
    if (msg.type === 'log') job.log(taskId, msg.line);
    else if (msg.type === 'end') linesDone();
  });
  const cancel = () => void step.server.cancelQueries(step.buildDb).catch(() => undefined);
  job.abort.signal.addEventListener('abort', cancel, { once: true });
  try {
    const res = await ctx.pool.run(
      'runMysql',
      {
        url: step.url,
        database: step.buildDb,
        statements: step.statements,
        port: channel.port2,
        maxLogLines: ctx.maxLogLines,
      },
      [channel.port2],
    );
    await allLines;
    if (!res.ok) throw fromErrorBody(res.error);
    if (job.abort.signal.aborted) throw sqlrsError('cancelled', 'job cancelled');
    if (res.failed) {
      const stmt = step.statements[res.failed.index] ?? '';
      throw invalidArgument(
        `mysql failed in step ${step.index + 1} (${taskId}) at statement ${res.failed.index + 1}: ${res.failed.message}`,
        `${res.failed.code}: ${res.failed.message}\nstatement: ${stmt.slice(0, 500)}`,
      );
    }
  } finally {
    job.abort.signal.removeEventListener('abort', cancel);
    channel.port1.close();
  }
}

import { isConnectionLost } from '../dbms/server-errors.js';
import type { DbmsServer } from '../dbms/types.js';
import { invalidArgument, sqlrsError } from '../errors.js';
import type { PrepareContext } from './context.js';
import type { Job } from './job.js';
import { runWithLogChannel, stepName } from './step-channel.js';

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
  const { server, buildDb, statements } = step;
  const res = await runWithLogChannel(
    job,
    taskId,
    () => server.cancelQueries(buildDb),
    (port) =>
      ctx.pool.run(
        'runMysql',
        { url: step.url, database: buildDb, statements, port, maxLogLines: ctx.maxLogLines },
        [port],
      ),
    { ms: ctx.trust.stepTimeoutMs, step: stepName(step.index, taskId) },
  );
  if (res.failed) {
    const { index, code, message } = res.failed;
    const stmt = statements[index] ?? '';
    const details = `${code}: ${message}\nstatement: ${stmt.slice(0, 500)}`;
    const where = `in ${stepName(step.index, taskId)} at statement ${index + 1}`;
    if (isConnectionLost(code))
      throw sqlrsError('unavailable', `mysql lost its connection to the server ${where}`, details);
    throw invalidArgument(`mysql failed ${where}: ${message}`, details);
  }
}

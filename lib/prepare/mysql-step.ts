import type { DbmsServer } from '../dbms/types.js';
import { invalidArgument } from '../errors.js';
import type { PrepareContext } from './context.js';
import type { Job } from './job.js';
import { runWithLogChannel } from './step-channel.js';

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
  );
  if (res.failed) {
    const stmt = statements[res.failed.index] ?? '';
    throw invalidArgument(
      `mysql failed in step ${step.index + 1} (${taskId}) at statement ${res.failed.index + 1}: ${res.failed.message}`,
      `${res.failed.code}: ${res.failed.message}\nstatement: ${stmt.slice(0, 500)}`,
    );
  }
}

import { isConnectionLost } from '../../../dbms/server-errors.js';
import type { DbmsServer } from '../../../dbms/types.js';
import { invalidArgument, sqlrsError } from '../../../errors.js';
import { runWithLogChannel, stepName } from '../../build/step-channel.js';
import type { PrepareContext } from '../../context.js';
import type { Job } from '../../jobs/job.js';

/**
 * Runs one mysql step's statements in the worker pool on the build schema. Each statement's
 * outcome is a `log` event; an abort of the job kills the running query (KILL QUERY).
 */
export async function runMysqlStep(
  ctx: PrepareContext,
  job: Job,
  taskId: string,
  step: {
    index: number;
    statements: string[];
    /** Per statement: read from a file on the engine host (its errors may not quote it). */
    fromHost?: boolean[];
    /** Per statement: `file:line` where it starts, named by the step's error. */
    where?: string[];
    url: string;
    buildDb: string;
    server: DbmsServer;
  },
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
    { limit: { ms: ctx.trust.stepTimeoutMs, step: stepName(step.index, taskId) } },
  );
  if (res.failed) {
    const { index, code } = res.failed;
    const stmt = statements[index] ?? '';
    // A statement from a host file: the caller did not send it, so the server's quotes of it
    // are cut short and the statement is not shown (docs/mysql.md, host files).
    const host = step.fromHost?.[index] === true;
    const message = host ? cutQuotes(res.failed.message) : res.failed.message;
    const shown = host ? '(from a file on the engine host: not shown)' : stmt.slice(0, 500);
    const details = `${code}: ${message}\nstatement: ${shown}`;
    const at = step.where?.[index];
    const where = `in ${stepName(step.index, taskId)} at statement ${index + 1}${at ? ` (${at})` : ''}`;
    if (isConnectionLost(code))
      throw sqlrsError('unavailable', `mysql lost its connection to the server ${where}`, details);
    throw invalidArgument(`mysql failed ${where}: ${message}`, details);
  }
}

const QUOTE_CAP = 40;
const MESSAGE_CAP = 300;

/** A server message with every quoted piece (`near '...'`, values) cut to a few characters. */
export function cutQuotes(message: string): string {
  // The syntax error's excerpt is raw script text: quotes in it do not end it.
  const near = message.replace(/near '([\s\S]*)' at line (\d+)/, (whole, inner: string, n) =>
    inner.length > QUOTE_CAP ? `near '${inner.slice(0, QUOTE_CAP)}...' at line ${n}` : whole,
  );
  const cut = near.replace(/'((?:[^'\\]|\\.|'')*)'/gs, (whole, inner: string) =>
    inner.length > QUOTE_CAP ? `'${inner.slice(0, QUOTE_CAP)}...'` : whole,
  );
  return cut.length > MESSAGE_CAP ? `${cut.slice(0, MESSAGE_CAP)}...` : cut;
}

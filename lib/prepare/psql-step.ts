import { MessageChannel } from 'node:worker_threads';
import { fromErrorBody, invalidArgument, sqlrsError } from '../errors.js';
import type { PsqlStep } from '../psql/args.js';
import type { PrepareContext } from './context.js';
import type { Job } from './job.js';

export interface StepRun {
  step: PsqlStep;
  stdin?: string;
  cwd: string;
  buildDb: string;
  env: Record<string, string>;
}

/** psql's own arguments for one step: the flags that apply to it, then the step itself. */
export function psqlArgs(step: PsqlStep): string[] {
  const s = step.source;
  const stepArgs = s.kind === 'command' ? ['-c', s.sql] : ['-f', s.kind === 'file' ? s.path : '-'];
  return [...step.flags, ...stepArgs];
}

/** The environment psql runs with: the build database's connection and nothing of ours. */
export function psqlEnv(toolEnv: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = { ...toolEnv, PGCONNECT_TIMEOUT: '10' };
  for (const key of ['PATH', 'LANG', 'LC_ALL', 'TZ']) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  return env;
}

/**
 * Runs one psql step in the worker pool. Output lines become `log` events of the task; an
 * abort of the job sends `cancel` to the worker (SIGTERM, then SIGKILL) and `onCancel` stops
 * the query on the server side too.
 */
export async function runPsqlStep(
  ctx: PrepareContext,
  job: Job,
  taskId: string,
  run: StepRun,
  onCancel: () => Promise<void>,
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
  channel.port1.once('close', () => linesDone());
  const cancel = () => {
    channel.port1.postMessage('cancel');
    onCancel().catch(() => undefined);
  };
  job.abort.signal.addEventListener('abort', cancel, { once: true });
  try {
    const res = await ctx.pool.run(
      'runPsql',
      {
        psql: ctx.psqlPath,
        args: psqlArgs(run.step),
        env: run.env,
        cwd: run.cwd,
        stdin: run.stdin,
        port: channel.port2,
        maxLogLines: ctx.maxLogLines,
        killGraceMs: ctx.killGraceMs,
      },
      [channel.port2],
    );
    await allLines;
    if (!res.ok) throw fromErrorBody(res.error);
    if (res.cancelled || job.abort.signal.aborted) throw sqlrsError('cancelled', 'job cancelled');
    if (res.exitCode !== 0) {
      const how = res.exitCode === null ? `signal ${res.signal}` : `exit code ${res.exitCode}`;
      throw invalidArgument(
        `psql failed in step ${run.step.index + 1} (${taskId}) with ${how}`,
        [`exit code: ${res.exitCode ?? res.signal}`, ...res.stderrTail].join('\n'),
      );
    }
  } finally {
    job.abort.signal.removeEventListener('abort', cancel);
    channel.port1.close();
  }
}

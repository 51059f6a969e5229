import { invalidArgument, jobCancelled, sqlrsError } from '../errors.js';
import { fileIdentity } from '../file-identity.js';
import type { PsqlStep } from '../psql/args.js';
import type { PrepareContext } from './context.js';
import type { Job } from './job.js';
import { runWithLogChannel, stepName } from './step-channel.js';

export interface StepRun {
  step: PsqlStep;
  /** The files the step's hash read, and their identities then (lib/file-identity.ts). */
  files: Record<string, string>;
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
  const res = await runWithLogChannel(
    job,
    taskId,
    onCancel,
    (port) =>
      ctx.pool.run(
        'runPsql',
        {
          psql: ctx.psqlPath,
          args: psqlArgs(run.step),
          env: run.env,
          cwd: run.cwd,
          stdin: run.stdin,
          port,
          maxLogLines: ctx.maxLogLines,
          killGraceMs: ctx.killGraceMs,
        },
        [port],
      ),
    { ms: ctx.trust.stepTimeoutMs, step: stepName(run.step.index, taskId) },
  );
  if (res.cancelled) throw jobCancelled();
  const step = stepName(run.step.index, taskId);
  if (res.exitCode !== 0) {
    const how = res.exitCode === null ? `signal ${res.signal}` : `exit code ${res.exitCode}`;
    const details = [`exit code: ${res.exitCode ?? res.signal}`, ...res.stderrTail].join('\n');
    const where = `in ${step}`;
    // psql's exit code 2: its connection went bad (lost, or never made). The server's trouble,
    // not the script's (which may not reconnect: \connect is refused), and worth a retry.
    if (res.exitCode === 2)
      throw sqlrsError('unavailable', `psql lost its connection to the server ${where}`, details);
    throw invalidArgument(`psql failed ${where} with ${how}`, details);
  }
  assertUnchanged(run.files, step);
}

/**
 * psql reads the files itself, when the step runs: one changed since it was hashed built a
 * state from other content than its id says, and the cache then handed that state to requests
 * of the old content (seen: a `-f` file edited while an earlier step ran). Such a build is not
 * kept.
 */
function assertUnchanged(files: Record<string, string>, step: string): void {
  for (const [path, seen] of Object.entries(files)) {
    if (fileIdentity(path) !== seen)
      throw sqlrsError(
        'conflict',
        `${path} changed while the job ran, after it was hashed: ${step} was not kept; prepare again`,
      );
  }
}

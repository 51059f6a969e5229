import { invalidArgument, jobCancelled, sqlrsError } from '../../../errors.js';
import { fileIdentity } from '../../../files/file-identity.js';
import type { PsqlStep } from '../../../psql/argv/args.js';
import { hostFileLine, hostFileLines } from '../../../psql/restrict/host-echo.js';
import {
  beforeStepTask,
  type LineShape,
  runWithLogChannel,
  stepName,
} from '../../build/step-channel.js';
import type { PrepareContext } from '../../context.js';
import type { Job } from '../../jobs/job.js';
import { type PsqlInvocation, restrictedInvocation } from './restricted-step.js';

export interface StepRun {
  step: PsqlStep;
  /** The files the step's hash read, and their identities then (lib/files/file-identity.ts). */
  files: Record<string, string>;
  /** The SHA-256 of the bytes the step's hash read, by file (lib/files/source-file.ts). */
  digests?: Record<string, string>;
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
  const step = stepName(run.step.index, taskId);
  // Before psql reads them too: a file changed since it was hashed fails the step at once.
  assertUnchanged(run.files, step);
  const limit = { ms: ctx.trust.stepTimeoutMs, step };
  // Inlining a restricted step's includes is part of the step: within its limit, and cancelled.
  const before = await beforeStepTask(job, limit, (signal) => invocation(ctx, run, signal));
  const call = before.value;
  const res = await runWithLogChannel(
    job,
    taskId,
    onCancel,
    (port) =>
      ctx.pool.run(
        'runPsql',
        {
          psql: ctx.psqlPath,
          args: call.args,
          env: run.env,
          cwd: run.cwd,
          stdin: call.stdin,
          port,
          maxLogLines: ctx.maxLogLines,
          killGraceMs: ctx.killGraceMs,
        },
        [port],
      ),
    {
      limit: { ...limit, spentMs: before.spentMs },
      shape: lineShape(call),
    },
  );
  if (res.cancelled) throw jobCancelled();
  if (res.exitCode !== 0) {
    const how = res.exitCode === null ? `signal ${res.signal}` : `exit code ${res.exitCode}`;
    const tail = (res.stderrTail as string[]).map(call.nameLine);
    const shown = call.hostContent ? hostFileLines(tail) : tail;
    const details = [`exit code: ${res.exitCode ?? res.signal}`, ...shown].join('\n');
    const where = `in ${step}`;
    // psql's exit code 2: its connection went bad (lost, or never made). The server's trouble,
    // not the script's (which may not reconnect: \connect is refused), and worth a retry.
    if (res.exitCode === 2)
      throw sqlrsError('unavailable', `psql lost its connection to the server ${where}`, details);
    throw invalidArgument(`psql failed ${where} with ${how}`, details);
  }
  assertUnchanged(run.files, step);
  await assertSameContent(ctx, run.digests ?? {}, step);
}

/**
 * How psql runs the step: as given, or under `\restrict` with its script inlined. A step that
 * reads files on the engine host runs with `ECHO=none` (set last, it overrides `-a`, `-e` and
 * `-b`): psql would echo content the caller did not send (docs/prepare.md, host files).
 */
async function invocation(
  ctx: PrepareContext,
  run: StepRun,
  signal: AbortSignal,
): Promise<PsqlInvocation> {
  const hostContent = Object.keys(run.files).length > 0;
  const plain: PsqlInvocation = {
    args: psqlArgs(run.step),
    stdin: run.stdin,
    nameLine: (line) => line,
    hostContent,
  };
  const call = ctx.trust.psqlRestrict
    ? await restrictedInvocation(ctx, run.step, { ...run, hostFiles: ctx.trust.hostFiles }, signal)
    : plain;
  if (!hostContent) return call;
  const at = call.args.length - 2; // before the step itself (`-c SQL` or `-f FILE`)
  return {
    ...call,
    hostContent,
    args: [...call.args.slice(0, at), '-v', 'ECHO=none', ...call.args.slice(at)],
  };
}

/** Events name inlined lines by file and line; a host file's step shows only psql's messages. */
function lineShape(call: PsqlInvocation): LineShape {
  const { key } = call;
  return (stream, raw) => {
    const line = key ? raw.replaceAll(key, '<key>') : raw;
    const named = stream === 'stderr' ? call.nameLine(line) : line;
    return call.hostContent && stream === 'stderr' ? hostFileLine(named) : named;
  };
}

/**
 * psql reads the files itself, when the step runs: one changed since it was hashed would build
 * a state from other content than its id says, and the cache would hand that state to requests
 * of the old content. `files` holds each file's identity as the hashing read it (settled:
 * lib/files/source-file.ts), so any write since shows, before psql starts and after it ends
 * (docs/prepare.md). Such a build is not kept.
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

/**
 * A single write spanning the hashing's read moves the file's times once, at its start: the
 * identity then holds still while the content does not. The bytes the hashing read must be
 * what the file holds once psql has read it (docs/prepare.md).
 */
async function assertSameContent(
  ctx: PrepareContext,
  digests: Record<string, string>,
  step: string,
): Promise<void> {
  const paths = Object.keys(digests);
  if (paths.length === 0) return;
  const res = await ctx.pool.run('digestFiles', { paths });
  // The task answers for every file ('gone' for one it cannot read); without an answer,
  // no file is known to hold what was hashed.
  const now = res.ok ? res.digests : [];
  const changed = paths.find((path, i) => now[i] !== digests[path]);
  if (changed !== undefined)
    throw sqlrsError(
      'conflict',
      `${changed} was being written while it was hashed: ${step} was not kept; prepare again`,
    );
}

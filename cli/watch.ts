import type { JobEvent, JobStatus, PrepareResult } from '../lib/schema-types.js';
import { CancelPrompt } from './cancel-prompt.js';
import type { EngineClient } from './client.js';
import { type CliContext, json } from './context.js';
import { CliError, EXIT } from './errors.js';
import { Progress } from './progress.js';

/**
 * Follows a job's events to the end with progress on stderr, then prints `DSN=...` (or the
 * plan) on stdout.
 */
export async function watchJob(
  ctx: CliContext,
  client: EngineClient,
  jobId: string,
): Promise<number> {
  const last = endedWell(jobId, await followJob(ctx, client, jobId));
  if (last.result) {
    if (ctx.output === 'json') ctx.out(json(last.result));
    else ctx.out(`DSN=${last.result.dsn}\n`);
    return EXIT.ok;
  }
  // A plan: show its tasks.
  const status = (await client.call('GET', `/v1/prepare-jobs/${jobId}`)).body as JobStatus;
  printPlan(ctx, status);
  return EXIT.ok;
}

/** Follows a prepare job to its end and gives its result (the instance), printing nothing. */
export async function preparedInstance(
  ctx: CliContext,
  client: EngineClient,
  jobId: string,
): Promise<PrepareResult> {
  const last = endedWell(jobId, await followJob(ctx, client, jobId));
  if (!last.result) throw new CliError(`job ${jobId} made no instance`, EXIT.engine);
  return last.result;
}

/**
 * Follows a job's events with progress on stderr; its last event. Ctrl+C asks whether to cancel
 * the job (on a terminal; elsewhere it cancels): cli/cancel-prompt.ts.
 */
async function followJob(
  ctx: CliContext,
  client: EngineClient,
  jobId: string,
): Promise<JobEvent | undefined> {
  const progress = new Progress({ tty: ctx.stderrIsTTY, verbose: ctx.verbose, write: ctx.err });
  const prompt = new CancelPrompt({
    jobId,
    input: ctx.stdin,
    output: process.stderr,
    progress,
    err: ctx.err,
    cancel: () => client.call('POST', `/v1/prepare-jobs/${jobId}/cancel`),
  });
  const onSigint = () => prompt.interrupt();
  process.on('SIGINT', onSigint);
  let last: JobEvent | undefined;
  let steps: number | undefined;
  try {
    for await (const raw of client.lines(`/v1/prepare-jobs/${jobId}/events`)) {
      const ev = raw as JobEvent;
      // Asked when the first step shows, not when the plan is done: a cache hit runs no step
      // and so makes no extra round trip (docs/performance.md, "CLI").
      if (steps === undefined && ev.type === 'task' && ev.task_id?.startsWith('execute-'))
        steps = await stepCount(client, jobId);
      progress.event(ev, steps || undefined);
      last = ev;
    }
  } finally {
    process.off('SIGINT', onSigint);
    prompt.close();
    progress.done();
  }
  return last;
}

/** The number of steps in the job's plan (for "step n of m"). */
async function stepCount(client: EngineClient, jobId: string): Promise<number> {
  const status = (await client.call('GET', `/v1/prepare-jobs/${jobId}`)).body as
    | JobStatus
    | undefined;
  return (status?.tasks ?? []).filter((t) => t.type === 'state_execute').length;
}

/** The terminal `result` event; a failed job (cancelled included) or a cut stream is exit 3. */
function endedWell(jobId: string, last: JobEvent | undefined): JobEvent {
  if (last?.type === 'error' && last.error) {
    const e = last.error;
    throw new CliError(`job ${jobId} failed: ${e.message}`, EXIT.engine, e.details);
  }
  if (last?.type !== 'result')
    throw new CliError(`the event stream of job ${jobId} ended early`, EXIT.engine);
  return last;
}

export function printPlan(ctx: CliContext, status: JobStatus): void {
  const tasks = status.tasks ?? [];
  if (ctx.output === 'json') {
    ctx.out(json(tasks));
    return;
  }
  for (const t of tasks) {
    if (t.type === 'state_execute') {
      const mark = t.cached ? 'cached' : 'build';
      ctx.out(
        `${t.task_id.padEnd(12)} ${mark.padEnd(7)} state ${t.output_state_id?.slice(0, 12)}\n`,
      );
    } else {
      ctx.out(
        `${t.task_id.padEnd(12)} ${t.type}${t.resolved_image_id ? ` ${t.resolved_image_id}` : ''}\n`,
      );
    }
  }
}

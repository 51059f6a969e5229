import type { Test } from 'tap';
import { imageTarget } from '../../lib/config.js';
import type { DbmsServer } from '../../lib/dbms/types.js';
import type { PrepareContext } from '../../lib/prepare/context.js';
import type { WarmPool } from '../../lib/prepare/hand-out/warm-pool.js';
import type { JobEvent, JobStatus, PrepareResult } from '../../lib/schema-types.js';
import type { PendingRow } from '../../lib/store/types.js';
import type { TaskName } from '../../lib/tasks.js';
import type { TestEngine } from './engine.js';

export interface Prepared {
  status: number;
  jobId: string;
  events: JobEvent[];
  /** The job's status right after it ended (finished jobs may be trimmed later). */
  job: JobStatus;
  /** The result as the events stream delivered it. */
  result?: PrepareResult;
}

/** POSTs a prepare, follows its events to the end and returns the final JobStatus. */
export async function prepare(e: TestEngine, body: Record<string, unknown>): Promise<Prepared> {
  const res = await e.call('POST', '/v1/prepare-jobs', {
    body: JSON.stringify({ prepare_kind: 'psql', ...body }),
  });
  if (res.status !== 202)
    throw Object.assign(new Error(`prepare answered ${res.status}: ${res.text}`), { res });
  const jobId = res.json().job_id as string;
  const events = await followEvents(e, jobId);
  const job = (await e.get(`/v1/prepare-jobs/${jobId}`)).json() as JobStatus;
  const result = events.find((ev) => ev.type === 'result')?.result;
  return { status: res.status, jobId, events, job, result };
}

export async function followEvents(
  e: TestEngine,
  jobId: string,
  since?: number,
): Promise<JobEvent[]> {
  const q = since === undefined ? '' : `?since=${since}`;
  const res = await e.get(`/v1/prepare-jobs/${jobId}/events${q}`);
  return res.text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as JobEvent);
}

export const psqlArgsOf = (...steps: string[][]) => steps.flat();

/** The engine's prepare context, for tests that look at its pool or reservations. */
export const contextOf = (e: TestEngine): PrepareContext =>
  (e.deps.jobs as unknown as { ctx: PrepareContext }).ctx;

/** The engine's warm pool, for tests that configure one. */
export const poolOf = (e: TestEngine): WarmPool => contextOf(e).warmPool as WarmPool;

/**
 * Pending records that are somebody's unfinished work: all but the held reservations
 * (lib/prepare/records/reservations.ts), which are pending by design.
 */
export function unfinishedRecords(e: TestEngine): PendingRow[] {
  const held = contextOf(e).reservations?.opIds() ?? new Set<string>();
  return e.store.listPending().filter((p) => !held.has(p.op_id));
}

type Existing = DbmsServer['existing'];

/**
 * Replaces one method of the local Postgres server (to fail it, or answer late); the returned
 * function, and the test's end, put the real one back.
 */
export function replaceServerMethod<K extends 'existing' | 'drop' | 'publish' | 'cloneInstance'>(
  t: Test,
  e: TestEngine,
  name: K,
  make: (real: DbmsServer[K]) => DbmsServer[K],
) {
  const ctx = contextOf(e);
  const server = ctx.servers(imageTarget(ctx.config, 'postgres'));
  const real = server[name];
  server[name] = make(real.bind(server) as DbmsServer[K]);
  const restore = () => {
    server[name] = real;
  };
  t.teardown(restore);
  return restore;
}

/** Replaces the local Postgres server's existence check. */
export const replaceExisting = (t: Test, e: TestEngine, make: (real: Existing) => Existing) =>
  replaceServerMethod(t, e, 'existing', make);

/** An existence check that answers `ms` late. */
export const answersLate =
  (ms: number) =>
  (real: Existing): Existing =>
  async (dbs) => {
    await new Promise((r) => setTimeout(r, ms));
    return real(dbs);
  };

/** Waits until the job's task is running (the job's own status, polled). */
export async function taskRunning(e: TestEngine, jobId: string, taskId: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const job = (await e.get(`/v1/prepare-jobs/${jobId}`)).json() as JobStatus;
    const task = (job.tasks ?? []).find((x) => x.task_id === taskId) as { status?: string };
    if (task?.status === 'running') return;
    if (job.status === 'failed' || job.status === 'succeeded')
      throw new Error(`job ended (${job.status}) before ${taskId} ran`);
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${taskId} never ran`);
}

/** A task the engine's pool was asked to run, and how it ended. */
export interface WatchedTask {
  task: TaskName;
  signal?: AbortSignal;
  /** `finished`, or `stopped: <error name>`. */
  ended: Promise<string>;
}

/**
 * Wraps the engine's pool so a test sees each task it runs: `onRun` is called as the task is
 * handed to the pool (the task itself runs unchanged).
 */
export function watchPool(e: TestEngine, onRun: (run: WatchedTask) => void): void {
  const ctx = contextOf(e);
  const pool = ctx.pool;
  ctx.pool = {
    size: pool.size,
    run: (task, input, transferList, signal) => {
      const result = pool.run(task, input, transferList, signal);
      const ended = result.then(
        () => 'finished',
        (err: Error) => `stopped: ${err.name}`,
      );
      onRun({ task, signal, ended });
      return result;
    },
  };
}

import type { ErrorBody } from '../../errors.js';
import type {
  JobEntry,
  JobEvent,
  JobStatus,
  PlanTask,
  PrepareResult,
  TaskEntry,
} from '../../schema-types.js';
import { EventLog } from './event-log.js';

export type JobState = JobEntry['status'];
export type TaskState = TaskEntry['status'];

/** What a job is, fixed when it is accepted. */
export interface JobOptions {
  id: string;
  kind: 'psql' | 'mysql';
  imageId: string;
  planOnly: boolean;
  /** The prepare arguments as the job reports them (`prepare_args_normalized`). */
  argsNormalized: string;
  /** Hash of everything the request asked for. */
  signature: string;
  createdAt: string;
  /** Timestamps of status changes and events. */
  clock: () => Date;
}

const TERMINAL_EVENTS = new Set(['result', 'error']);
export const HEARTBEAT_MS = 500;

/**
 * One prepare job in memory (docs/prepare.md): status, plan, tasks and the ordered event log that
 * the events endpoint replays (`since`) and follows. Only the job manager mutates it.
 * The log is bounded (event-log.ts), so a job costs little memory however long it ran and can
 * be kept for its whole retention (docs/prepare.md).
 */
export class Job {
  status: JobState = 'queued';
  startedAt?: string;
  finishedAt?: string;
  /** When it finished, by the engine's clock (ms): what retention counts from. */
  finishedAtMs?: number;
  tasks: TaskEntry[] = [];
  result?: PrepareResult;
  error?: ErrorBody;
  private readonly eventLog = new EventLog();
  private waiters = new Set<() => void>();
  readonly abort = new AbortController();
  private lastEventAt = 0;
  /** The task of the last task event (setTask): the one a heartbeat speaks for first. */
  private lastTaskId?: string;
  private heartbeat?: NodeJS.Timeout;
  private observer?: (index: number, event: JobEvent) => void;

  readonly id: string;
  readonly kind: 'psql' | 'mysql';
  readonly imageId: string;
  readonly planOnly: boolean;
  readonly argsNormalized: string;
  readonly signature: string;
  readonly createdAt: string;
  private readonly clock: () => Date;

  constructor(opts: JobOptions) {
    this.id = opts.id;
    this.kind = opts.kind;
    this.imageId = opts.imageId;
    this.planOnly = opts.planOnly;
    this.argsNormalized = opts.argsNormalized;
    this.signature = opts.signature;
    this.createdAt = opts.createdAt;
    this.clock = opts.clock;
  }

  get finished(): boolean {
    return this.status === 'succeeded' || this.status === 'failed';
  }

  /** True once the terminal event (result or error) is in the log. */
  get ended(): boolean {
    const last = this.eventLog.last();
    return last !== undefined && TERMINAL_EVENTS.has(last.type);
  }

  /** The terminal event once the job has ended (always kept: it is the last). */
  get terminalEvent(): JobEvent | undefined {
    return this.ended ? this.eventLog.last() : undefined;
  }

  /** How many events the job has said: the `since` that reads only what comes next. */
  get eventCount(): number {
    return this.eventLog.length;
  }

  /** The kept events from index `since` on (the events endpoint's replay). */
  eventsFrom(since: number): JobEvent[] {
    return this.eventLog.from(since);
  }

  /** Every kept event, in order. */
  get events(): JobEvent[] {
    return this.eventLog.from(0);
  }

  /**
   * Told of each event as it is said, with its index: a shared catalog's job board
   * (job-board.ts) queues it for PostgreSQL. Absent on the embedded catalog.
   */
  observe(observer: (index: number, event: JobEvent) => void): void {
    this.observer = observer;
  }

  emit(event: Omit<JobEvent, 'ts'>): void {
    this.lastEventAt = Date.now();
    const said = { ...event, ts: this.clock().toISOString() } as JobEvent;
    this.eventLog.push(said);
    this.observer?.(this.eventLog.length - 1, said);
    const waiting = [...this.waiters];
    this.waiters.clear();
    for (const wake of waiting) wake();
  }

  /** Resolves at the next event, or after `ms` (for heartbeats), whichever is first. */
  nextEvent(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
    });
  }

  /**
   * Resolves true once the job has ended (its terminal event is in the log, so statusView()
   * holds the result or error), false when `ms` pass first or `signal` aborts: what
   * `POST /v1/prepare-jobs?wait=` holds its answer on (docs/api.md).
   */
  untilEnded(ms: number, signal?: AbortSignal): Promise<boolean> {
    if (this.ended) return Promise.resolve(true);
    if (ms <= 0 || signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const finish = (ended: boolean) => {
        clearTimeout(timer);
        this.waiters.delete(onEvent);
        signal?.removeEventListener('abort', onAbort);
        resolve(ended);
      };
      // emit() empties the set before it wakes anyone: a job not yet ended is waited on again.
      const onEvent = () => (this.ended ? finish(true) : this.waiters.add(onEvent));
      const onAbort = () => finish(false);
      const timer = setTimeout(() => finish(false), ms);
      this.waiters.add(onEvent);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  setStatus(status: JobState): void {
    this.status = status;
    const at = this.clock();
    const now = at.toISOString();
    if (status === 'running') {
      this.startedAt = now;
      this.startHeartbeat();
    }
    if (this.finished) {
      this.finishedAt = now;
      this.finishedAtMs = at.getTime();
      clearInterval(this.heartbeat);
    }
    this.emit({ type: 'status', status });
  }

  /**
   * While a task runs and nothing was said for HEARTBEAT_MS, the task's last event is said
   * again (docs/prepare.md), so a client tells a slow step from a dead engine. Heartbeats go into
   * the log like any event, so `since` (a count of lines read) always resumes correctly.
   */
  private startHeartbeat(): void {
    this.heartbeat = setInterval(() => {
      if (Date.now() - this.lastEventAt < HEARTBEAT_MS) return;
      // The task that spoke last, while it still runs: its event said again follows itself,
      // so a reader that drops a repeat of the event before sees no step twice. A task inside
      // another (resolve-image within plan) that has ended leaves the outer one to speak.
      const last = this.lastTaskId === undefined ? undefined : this.task(this.lastTaskId);
      const running =
        last?.status === 'running' ? last : this.tasks.find((t) => t.status === 'running');
      // The task's status is what its last task event said (setTask sets both).
      if (running) this.emit({ type: 'task', task_id: running.task_id, status: running.status });
    }, HEARTBEAT_MS / 5);
    this.heartbeat.unref();
  }

  setPlan(tasks: PlanTask[]): void {
    const known = new Map(this.tasks.map((t) => [t.task_id, t]));
    this.tasks = tasks.map((t) => ({
      ...t,
      job_id: this.id,
      status: known.get(t.task_id)?.status ?? 'queued',
    }));
  }

  task(taskId: string): TaskEntry | undefined {
    return this.tasks.find((t) => t.task_id === taskId);
  }

  setTask(
    taskId: string,
    status: TaskState,
    patch: Partial<TaskEntry> = {},
    message?: string,
  ): void {
    const task = this.task(taskId);
    if (!task) return;
    Object.assign(task, patch, { status });
    this.lastTaskId = taskId;
    this.emit({ type: 'task', task_id: taskId, status, ...(message ? { message } : {}) });
  }

  log(taskId: string, message: string): void {
    this.emit({ type: 'log', task_id: taskId, message });
  }

  succeed(result?: PrepareResult): void {
    if (result) this.result = result;
    this.setStatus('succeeded');
    if (result) this.emit({ type: 'result', result });
    else this.emit({ type: 'result' });
  }

  fail(error: ErrorBody): void {
    for (const t of this.tasks) {
      if (t.status === 'queued') t.status = 'skipped';
      if (t.status === 'running') this.setTask(t.task_id, 'failed');
    }
    this.error = error;
    this.setStatus('failed');
    this.emit({ type: 'error', error });
  }

  entry(): JobEntry {
    const e: JobEntry = {
      job_id: this.id,
      status: this.status,
      prepare_kind: this.kind,
      image_id: this.imageId,
      plan_only: this.planOnly,
      created_at: this.createdAt,
    };
    if (this.startedAt) e.started_at = this.startedAt;
    if (this.finishedAt) e.finished_at = this.finishedAt;
    return e;
  }

  statusView(): JobStatus {
    const s: JobStatus = { ...this.entry(), prepare_args_normalized: this.argsNormalized };
    if (this.tasks.length > 0) s.tasks = this.tasks.map((t) => ({ ...t }));
    if (this.result) s.result = this.result;
    if (this.error) s.error = this.error;
    return s;
  }
}

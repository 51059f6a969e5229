import type { JobEntry, JobEvent, JobStatus } from '../../schema-types.js';
import type { Job } from './job.js';

/** A page of a job's events read from the board. */
export interface BoardEvents {
  /** The kept events from the index asked on, in order. */
  events: JobEvent[];
  /** How many events the job has said: the next index to ask from. */
  count: number;
  /** True once the job finished and its terminal event is the last one said. */
  ended: boolean;
}

/** What a cancel asked of a job another engine runs found. */
export interface BoardCancel {
  /** The job as the board has it. */
  status: JobStatus;
  /** True when the job was still unfinished: its engine is told to stop it. */
  requested: boolean;
}

/**
 * Where jobs are seen beyond the engine that runs them (docs/scaling.md, "Jobs"). The job
 * manager keeps every job it accepted in memory, as on one engine; on a shared catalog it also
 * publishes them here, and the handlers ask the board for jobs it does not hold (another
 * engine's). The embedded catalog has the local board: nothing is published or found, so a
 * single engine's jobs cost nothing more than their memory.
 */
export interface JobBoard {
  /** True when other engines read the board (a shared catalog). */
  readonly shared: boolean;
  /**
   * A job this engine accepted: its row and every event it says go to the board, in order,
   * in the background. Never blocks the job.
   */
  publish(job: Job): void;
  /** Resolves once what the job said so far is on the board (before its end is reported). */
  settled(job: Job): Promise<void>;
  /** Another engine's job (or this one's), as the board has it. */
  get(jobId: string): Promise<JobStatus | undefined>;
  /** Every job on the board, or the one exact id; oldest first. */
  list(jobId?: string): Promise<JobStatus[]>;
  /** The kept events from index `since`; undefined: no such job. */
  events(jobId: string, since: number): Promise<BoardEvents | undefined>;
  /** Asks the engine running the job to cancel it; undefined: no such job. */
  requestCancel(jobId: string): Promise<BoardCancel | undefined>;
  /** Removes a finished job's row and events; false when there is none or it is unfinished. */
  remove(jobId: string): Promise<boolean>;
  /**
   * Fails the unfinished jobs of engines found dead, and of engines with no lease row
   * (`engine_lost`); how many it failed.
   */
  failJobsOf(engineIds: string[]): Promise<number>;
  /** Told of each job of this engine whose cancel was asked through another engine. */
  onCancelRequested(listener: (jobId: string) => void): void;
  /** Told of each job whose row another engine removed (a DELETE): forget it here too. */
  onRemoved(listener: (jobId: string) => void): void;
  close(): Promise<void>;
}

const NOTHING = Promise.resolve(undefined);

/** The embedded catalog's board: jobs live in their engine's memory only. */
export function localJobBoard(): JobBoard {
  return {
    shared: false,
    publish: () => undefined,
    settled: () => NOTHING,
    get: () => NOTHING,
    list: () => Promise.resolve([]),
    events: () => NOTHING,
    requestCancel: () => NOTHING,
    remove: () => Promise.resolve(false),
    failJobsOf: () => Promise.resolve(0),
    onCancelRequested: () => undefined,
    onRemoved: () => undefined,
    close: () => NOTHING,
  };
}

/** A job's list entry (JobEntry) from its status. */
export function entryOf(s: JobStatus): JobEntry {
  const e: JobEntry = {
    job_id: s.job_id,
    status: s.status,
    prepare_kind: s.prepare_kind,
    image_id: s.image_id,
    plan_only: s.plan_only,
    created_at: s.created_at,
  };
  if (s.started_at) e.started_at = s.started_at;
  if (s.finished_at) e.finished_at = s.finished_at;
  return e;
}

/**
 * The jobs this engine holds and those on the board, one each: a job held here is as this
 * engine knows it (the board may lag it by a batch), oldest first.
 */
export function mergeJobs(held: Job[], board: JobStatus[]): JobStatus[] {
  const byId = new Map(board.map((s) => [s.job_id, s]));
  for (const job of held) byId.set(job.id, job.statusView());
  return [...byId.values()].sort((a, b) =>
    a.created_at === b.created_at
      ? a.job_id.localeCompare(b.job_id)
      : a.created_at.localeCompare(b.created_at),
  );
}

import type pg from 'pg';
import type { ErrorBody } from '../../errors.js';
import { JOB_ID } from '../../id.js';
import type { Job } from '../../prepare/jobs/job.js';
import type { BoardCancel, BoardEvents, JobBoard } from '../../prepare/jobs/job-board.js';
import type { JobEvent, JobStatus, TaskEntry } from '../../schema-types.js';
import { catalogError, inTransaction, newPool, serverOf } from './connection.js';
import { JOB_COLUMNS, type JobRow, statusOf } from './job-rows.js';
import { JobWriter } from './job-writer.js';
import { ChangeListener } from './listener.js';
import { jobChannel, quotedSchema } from './schema.js';

export interface PgJobBoardOptions {
  /** The shared catalog's URL and schema (already migrated by the store). */
  url: string;
  schema: string;
  /** This engine: the owner of the jobs it publishes. */
  engineId: string;
  clock: () => Date;
  /** Finished rows older than this (ms) go, beyond the newest `keepTotal` (job_retention). */
  retentionMs: number;
  keepTotal: number;
  /** How often cancels are looked for (besides notifications) and old rows trimmed (ms). */
  pollMs: number;
  onError: (reason: string) => void;
}

/** The most events one read returns; a follower reads on from where it stopped. */
export const EVENTS_PAGE = 1000;
/** Old finished rows are trimmed at most this often. */
export const TRIM_EVERY_MS = 60_000;

/**
 * The shared catalog's jobs (docs/scaling.md, "Jobs"): rows of `jobs` and `job_events` beside
 * the replica, read by every engine and written by the one running each job (job-writer.ts).
 * A cancel asked through another engine sets `cancel_requested` and notifies the job channel;
 * the owner hears it, or finds it at its next poll. A dead engine's unfinished jobs are failed
 * `engine_lost` by the lease pass of the engine that finds it dead.
 */
export class PgJobBoard implements JobBoard {
  readonly shared = true;
  private readonly pool: pg.Pool;
  private readonly s: string;
  private readonly channel: string;
  private readonly server: string;
  private readonly writer: JobWriter;
  private readonly listener: ChangeListener;
  private readonly timer: NodeJS.Timeout;
  private cancelListener: (jobId: string) => void = () => undefined;
  private removedListener: (jobId: string) => void = () => undefined;
  private trimmedAt = 0;
  private polling = false;

  constructor(private readonly opts: PgJobBoardOptions) {
    this.s = quotedSchema(opts.schema);
    this.server = serverOf(opts.url);
    this.channel = jobChannel(opts.schema);
    this.pool = newPool(opts.url, undefined, 2);
    this.writer = new JobWriter(this.pool, this.s, this.server, opts.engineId, opts.onError);
    this.listener = new ChangeListener(
      opts.url,
      this.channel,
      (payload) => this.notified(payload),
      opts.onError,
    );
    void this.listener.start();
    this.timer = setInterval(() => void this.poll(), opts.pollMs);
    this.timer.unref();
  }

  publish(job: Job): void {
    this.writer.publish(job);
  }

  settled(job: Job): Promise<void> {
    return this.writer.settled(job);
  }

  onCancelRequested(listener: (jobId: string) => void): void {
    this.cancelListener = listener;
  }

  onRemoved(listener: (jobId: string) => void): void {
    this.removedListener = listener;
  }

  /** `cancel <id>` (to the job's engine) or `removed <id>` (to all) on the job channel. */
  private notified(payload?: string): void {
    const [what, id] = (payload ?? '').split(' ');
    if (!id) return;
    if (what === 'cancel' && this.writer.liveJobIds().includes(id)) this.cancelListener(id);
    if (what === 'removed') this.removedListener(id);
  }

  /** One statement on a pooled connection (each is atomic on its own). */
  private async query<R extends pg.QueryResultRow>(sql: string, params: unknown[]) {
    try {
      return await this.pool.query<R>(sql, params);
    } catch (err) {
      throw catalogError(this.server, err);
    }
  }

  async get(jobId: string): Promise<JobStatus | undefined> {
    // An id not of a job's shape names no job, here as on the engine holding jobs in memory;
    // asked for, one with a NUL character would be a server error (a 500) rather than a 404.
    if (!JOB_ID.test(jobId)) return undefined;
    const res = await this.query<JobRow>(
      `SELECT ${JOB_COLUMNS} FROM ${this.s}.jobs WHERE job_id = $1`,
      [jobId],
    );
    const row = res.rows[0];
    return row ? statusOf(row) : undefined;
  }

  async list(jobId?: string): Promise<JobStatus[]> {
    const res = await this.query<JobRow>(
      `SELECT ${JOB_COLUMNS} FROM ${this.s}.jobs WHERE $1::text IS NULL OR job_id = $1
        ORDER BY created_at, job_id`,
      [jobId ?? null],
    );
    return res.rows.map(statusOf);
  }

  /**
   * The row and its events from `since` in one statement: both of one moment. The count is the
   * job's own (not `since`): a follower asking past the end still learns where its terminal
   * event is.
   */
  async events(jobId: string, since: number): Promise<BoardEvents | undefined> {
    if (!JOB_ID.test(jobId)) return undefined;
    const res = await this.query<{
      finished: boolean;
      event_count: number;
      seqs: number[] | null;
      events: string[] | null;
    }>(
      `SELECT j.finished_at IS NOT NULL AS finished, j.event_count,
         (SELECT array_agg(e.seq ORDER BY e.seq) FROM (SELECT seq FROM ${this.s}.job_events
            WHERE job_id = j.job_id AND seq >= $2 ORDER BY seq LIMIT ${EVENTS_PAGE}) e) AS seqs,
         (SELECT array_agg(e.event ORDER BY e.seq) FROM (SELECT seq, event FROM ${this.s}.job_events
            WHERE job_id = j.job_id AND seq >= $2 ORDER BY seq LIMIT ${EVENTS_PAGE}) e) AS events
       FROM ${this.s}.jobs j WHERE j.job_id = $1`,
      [jobId, since],
    );
    const row = res.rows[0];
    if (!row) return undefined;
    const events = (row.events ?? []).map((e) => JSON.parse(e) as JobEvent);
    const full = events.length === EVENTS_PAGE;
    const count = full ? (row.seqs?.at(-1) ?? since) + 1 : row.event_count;
    return { events, count, ended: row.finished && count >= row.event_count };
  }

  async requestCancel(jobId: string): Promise<BoardCancel | undefined> {
    if (!JOB_ID.test(jobId)) return undefined;
    const res = await this.query<JobRow & { asked: boolean }>(
      `WITH asked AS (
         UPDATE ${this.s}.jobs SET cancel_requested = true
          WHERE job_id = $1 AND finished_at IS NULL RETURNING job_id),
       told AS (SELECT pg_notify($2, 'cancel ' || job_id) FROM asked)
       SELECT ${JOB_COLUMNS}, EXISTS (SELECT 1 FROM told) AS asked
         FROM ${this.s}.jobs WHERE job_id = $1`,
      [jobId, this.channel],
    );
    const row = res.rows[0];
    return row ? { status: statusOf(row), requested: row.asked } : undefined;
  }

  async remove(jobId: string): Promise<boolean> {
    if (!JOB_ID.test(jobId)) return false;
    const res = await this.query(
      `WITH gone AS (DELETE FROM ${this.s}.jobs WHERE job_id = $1 AND finished_at IS NOT NULL
         RETURNING job_id)
       SELECT pg_notify($2, 'removed ' || job_id) FROM gone`,
      [jobId, this.channel],
    );
    return (res.rowCount ?? 0) > 0;
  }

  /**
   * Ends the unfinished jobs of dead engines as their engine would have failed them: queued
   * tasks skipped, running ones failed, then the status and error events. Dead are the engines
   * named and those with no lease row: one whose row is gone while its jobs still run (its
   * stop could not write their ends, or it was found dead and its row removed before a job it
   * published then was failed). An engine writes its row before it accepts a job, so a job's
   * engine without a row never is one starting. One transaction, rows locked, so engines
   * running the pass together fail each job once.
   */
  async failJobsOf(engineIds: string[]): Promise<number> {
    const failed = await inTransaction(this.pool, this.server, async (c) => {
      const res = await c.query<JobRow>(
        `SELECT ${JOB_COLUMNS} FROM ${this.s}.jobs j
          WHERE finished_at IS NULL AND (engine_id = ANY($1) OR NOT EXISTS (
            SELECT 1 FROM ${this.s}.engines e WHERE e.engine_id = j.engine_id))
          FOR UPDATE OF j`,
        [engineIds],
      );
      for (const row of res.rows) await this.failRow(c, row);
      return res.rows.length;
    });
    return failed === 'rollback' ? 0 : failed;
  }

  private async failRow(c: pg.PoolClient, row: JobRow): Promise<void> {
    const ts = this.opts.clock().toISOString();
    const error: ErrorBody = {
      code: 'engine_lost',
      message: `the engine running this job (${row.engine_id}) stopped answering: its lease lapsed or is gone`,
    };
    const tasks = row.tasks ? (JSON.parse(row.tasks) as TaskEntry[]) : [];
    const events: JobEvent[] = [];
    for (const t of tasks) {
      if (t.status === 'queued') t.status = 'skipped';
      if (t.status === 'running') {
        t.status = 'failed';
        events.push({ type: 'task', task_id: t.task_id, status: 'failed', ts });
      }
    }
    events.push({ type: 'status', status: 'failed', ts }, { type: 'error', error, ts });
    const seqs = events.map((_, i) => row.event_count + i);
    await c.query(
      `UPDATE ${this.s}.jobs SET status = 'failed', finished_at = $2, tasks = $3, error = $4,
         event_count = $5 WHERE job_id = $1`,
      [
        row.job_id,
        ts,
        tasks.length > 0 ? JSON.stringify(tasks) : null,
        JSON.stringify(error),
        row.event_count + events.length,
      ],
    );
    await c.query(
      `INSERT INTO ${this.s}.job_events (job_id, seq, event)
       SELECT $1, * FROM unnest($2::int[], $3::text[]) ON CONFLICT DO NOTHING`,
      [row.job_id, seqs, events.map((e) => JSON.stringify(e))],
    );
  }

  /**
   * Forgets finished rows past `job_retention`, beyond the newest `keepTotal` finished ones
   * (docs/prepare.md, "Jobs"); their events go with them. Past by the catalog server's clock,
   * the one every engine shares: an engine whose own clock is ahead would forget the other
   * engines' jobs early. `finished_at` is the API's ISO text, compared as text, in its format.
   */
  async trim(): Promise<number> {
    const res = await this.query(
      `DELETE FROM ${this.s}.jobs WHERE finished_at < to_char(
           (now() - $1 * interval '1 millisecond') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
         AND job_id NOT IN (SELECT job_id FROM ${this.s}.jobs WHERE finished_at IS NOT NULL
          ORDER BY finished_at DESC LIMIT $2)`,
      [this.opts.retentionMs, this.opts.keepTotal],
    );
    return res.rowCount ?? 0;
  }

  /** Cancels a notification may have missed (the listener reconnecting); old rows trimmed. */
  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const live = this.writer.liveJobIds();
      if (live.length > 0) {
        const res = await this.query<{ job_id: string }>(
          `SELECT job_id FROM ${this.s}.jobs
            WHERE job_id = ANY($1) AND cancel_requested AND finished_at IS NULL`,
          [live],
        );
        for (const r of res.rows) this.cancelListener(r.job_id);
      }
      const now = this.opts.clock().getTime();
      if (now - this.trimmedAt >= TRIM_EVERY_MS) {
        this.trimmedAt = now;
        await this.trim();
      }
    } catch (err) {
      this.opts.onError(`job board poll: ${(err as Error).message}`);
    } finally {
      this.polling = false;
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.writer.close();
    await this.listener.stop();
    await this.pool.end().catch(() => undefined);
  }
}

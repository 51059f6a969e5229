import type pg from 'pg';
import { EVENTS_HEAD, EVENTS_TAIL } from '../../prepare/jobs/event-log.js';
import type { Job } from '../../prepare/jobs/job.js';
import type { JobEvent } from '../../schema-types.js';
import { inTransaction } from './connection.js';
import { statusColumns } from './job-rows.js';

/** How long events gather before a write: one transaction carries every job's. */
export const BATCH_MS = 25;
/** A settle waits no longer than this for a catalog server that does not answer. */
export const SETTLE_TIMEOUT_MS = 15_000;

interface Queued {
  job: Job;
  /** The row is not written yet. */
  fresh: boolean;
  events: { seq: number; text: string }[];
}

interface Waiter {
  count: number;
  resolve: () => void;
}

/**
 * Writes this engine's jobs to the shared catalog (docs/scaling.md, "Jobs"): a job's events
 * are queued as it says them and written in the background, every job's in one transaction per
 * batch, in order, with the job's row as it stands then (status, tasks, result, event count).
 * The job never waits for it. A failed write is tried again after a pause doubling up to 5 s.
 * Only the engine running a job writes it, and never a row another engine has finished (a
 * job failed `engine_lost` by an engine that took this one for dead stays failed).
 */
export class JobWriter {
  private queued = new Map<string, Queued>();
  /** Events written so far of each unfinished job (-1: not even its row). */
  private readonly written = new Map<string, number>();
  private readonly waiters = new Map<string, Waiter[]>();
  /** Where each long job's events were last trimmed to. */
  private readonly trimmedTo = new Map<string, number>();
  /** Jobs another engine ended on the board (engine_lost) while this one still ran them. */
  private readonly lost = new Set<string>();
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  private retryMs = 0;

  constructor(
    private readonly pool: pg.Pool,
    private readonly s: string,
    private readonly server: string,
    private readonly engineId: string,
    private readonly onError: (reason: string) => void,
  ) {}

  /** Jobs of this engine not yet finished on the board (their cancels are looked for). */
  liveJobIds(): string[] {
    return [...this.written.keys()];
  }

  publish(job: Job): void {
    this.written.set(job.id, -1);
    this.queued.set(job.id, { job, fresh: true, events: [] });
    job.observe((seq, event) => this.event(job, seq, event));
    this.schedule();
  }

  private event(job: Job, seq: number, event: JobEvent): void {
    if (this.lost.has(job.id)) {
      if (job.ended) this.forget(job.id);
      return;
    }
    let q = this.queued.get(job.id);
    if (!q) {
      q = { job, fresh: false, events: [] };
      this.queued.set(job.id, q);
    }
    q.events.push({ seq, text: JSON.stringify(event) });
    this.schedule();
  }

  /** Resolves once every event the job has said so far is written (or the wait runs out). */
  settled(job: Job): Promise<void> {
    const count = job.eventCount;
    const done = this.written.get(job.id);
    // A lost job's later events are never written: nothing to wait for.
    if (done === undefined || done >= count || this.lost.has(job.id)) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, SETTLE_TIMEOUT_MS);
      const list = this.waiters.get(job.id) ?? [];
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      list.push({ count, resolve: wake });
      this.waiters.set(job.id, list);
    });
  }

  private schedule(): void {
    if (this.timer || this.flushing) return;
    this.timer = setTimeout(() => this.run(), this.retryMs || BATCH_MS);
  }

  private run(): void {
    this.timer = undefined;
    this.flushing = this.flush()
      .then(
        () => {
          this.retryMs = 0;
        },
        (err: Error) => {
          this.retryMs = Math.min(Math.max(this.retryMs * 2, 100), 5000);
          this.onError(`job events not written, trying again: ${err.message}`);
        },
      )
      .finally(() => {
        this.flushing = undefined;
        if (this.queued.size > 0) this.schedule();
      });
  }

  /** Writes what is queued now; on failure puts it back in front of what came meanwhile. */
  private async flush(): Promise<void> {
    const batch = [...this.queued.values()];
    this.queued = new Map();
    if (batch.length === 0) return;
    // The rows as they stand now, with every event said so far: taken in one turn, so a row
    // never runs ahead of its events.
    const rows = batch.map((q) => ({
      ...statusColumns(q.job.statusView()),
      count: q.job.eventCount,
    }));
    try {
      const kept = await inTransaction(this.pool, this.server, (c) => this.write(c, batch, rows));
      this.done(batch, rows, kept === 'rollback' ? new Set() : kept);
    } catch (err) {
      const later = this.queued;
      this.queued = new Map();
      for (const q of batch) this.queued.set(q.job.id, q);
      for (const [id, q] of later) {
        const first = this.queued.get(id);
        if (first) first.events.push(...q.events);
        else this.queued.set(id, q);
      }
      throw err;
    }
  }

  private async write(
    c: pg.PoolClient,
    batch: Queued[],
    rows: (ReturnType<typeof statusColumns> & { count: number })[],
  ): Promise<Set<string>> {
    const fresh = batch.filter((q) => q.fresh).map((q) => q.job);
    if (fresh.length > 0)
      await c.query(
        `INSERT INTO ${this.s}.jobs (job_id, engine_id, status, prepare_kind, image_id, plan_only,
           prepare_args_normalized, created_at)
         SELECT u.id, $1, 'queued', u.kind, u.image, u.plan_only, u.args, u.created
           FROM unnest($2::text[], $3::text[], $4::text[], $5::boolean[], $6::text[], $7::text[])
             AS u(id, kind, image, plan_only, args, created)
         ON CONFLICT (job_id) DO NOTHING`,
        [
          this.engineId,
          fresh.map((j) => j.id),
          fresh.map((j) => j.kind),
          fresh.map((j) => j.imageId),
          fresh.map((j) => j.planOnly),
          fresh.map((j) => j.argsNormalized),
          fresh.map((j) => j.createdAt),
        ],
      );
    const col = <K extends keyof (typeof rows)[number]>(k: K) => rows.map((r) => r[k]);
    const updated = await c.query<{ job_id: string }>(
      `UPDATE ${this.s}.jobs j SET status = u.status, started_at = u.started_at,
         finished_at = u.finished_at, tasks = u.tasks, result = u.result, error = u.error,
         event_count = u.count
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
         $8::text[], $9::int[]) AS u(id, status, started_at, finished_at, tasks, result, error, count)
       WHERE j.job_id = u.id AND j.engine_id = $1 AND j.finished_at IS NULL
       RETURNING j.job_id`,
      [
        this.engineId,
        batch.map((q) => q.job.id),
        col('status'),
        col('started_at'),
        col('finished_at'),
        col('tasks'),
        col('result'),
        col('error'),
        col('count'),
      ],
    );
    const kept = new Set(updated.rows.map((r) => r.job_id));
    const events = batch
      .filter((q) => kept.has(q.job.id))
      .flatMap((q) => q.events.map((e) => ({ id: q.job.id, ...e })));
    if (events.length > 0)
      await c.query(
        `INSERT INTO ${this.s}.job_events (job_id, seq, event)
         SELECT * FROM unnest($1::text[], $2::int[], $3::text[])
         ON CONFLICT DO NOTHING`,
        [events.map((e) => e.id), events.map((e) => e.seq), events.map((e) => e.text)],
      );
    await this.trimLongLogs(c, batch, rows, kept);
    return kept;
  }

  /**
   * Keeps a long job's rows bounded as its memory is (event-log.ts): the first EVENTS_HEAD
   * events and the latest EVENTS_TAIL, the ones between deleted once every EVENTS_TAIL events.
   */
  private async trimLongLogs(
    c: pg.PoolClient,
    batch: Queued[],
    rows: { count: number }[],
    kept: Set<string>,
  ): Promise<void> {
    const ids: string[] = [];
    const upto: number[] = [];
    batch.forEach((q, i) => {
      const to = (rows[i]?.count ?? 0) - EVENTS_TAIL;
      if (!kept.has(q.job.id) || to <= EVENTS_HEAD) return;
      if (to - (this.trimmedTo.get(q.job.id) ?? EVENTS_HEAD) < EVENTS_TAIL) return;
      ids.push(q.job.id);
      upto.push(to);
    });
    if (ids.length === 0) return;
    await c.query(
      `DELETE FROM ${this.s}.job_events e USING unnest($1::text[], $2::int[]) AS t(id, upto)
        WHERE e.job_id = t.id AND e.seq >= ${EVENTS_HEAD} AND e.seq < t.upto`,
      [ids, upto],
    );
    for (const [i, id] of ids.entries()) this.trimmedTo.set(id, upto[i] as number);
  }

  /** After a commit: counts moved, settles woken, finished jobs forgotten. */
  private done(
    batch: Queued[],
    rows: { count: number; finished_at: string | null }[],
    kept: Set<string>,
  ) {
    batch.forEach((q, i) => {
      const id = q.job.id;
      const row = rows[i] as { count: number; finished_at: string | null };
      if (!kept.has(id) && !q.fresh && !q.job.ended) {
        // Finished on the board by another engine (engine_lost): nothing more goes there.
        this.lost.add(id);
        this.onError(`job ${id} was ended by another engine; its later events are not written`);
      }
      const finished = row.finished_at !== null || !kept.has(id);
      this.written.set(id, row.count);
      const waiting = this.waiters.get(id) ?? [];
      // A lost job's later events are never written: none of its waits goes on.
      const still = this.lost.has(id) ? [] : waiting.filter((w) => w.count > row.count);
      for (const w of waiting) if (!still.includes(w)) w.resolve();
      if (still.length > 0) this.waiters.set(id, still);
      else this.waiters.delete(id);
      if (finished && q.job.ended && !this.queued.has(id)) this.forget(id);
    });
  }

  /** A job with nothing more to write: its waits end and it is no longer looked after. */
  private forget(id: string): void {
    this.written.delete(id);
    this.trimmedTo.delete(id);
    this.lost.delete(id);
    for (const w of this.waiters.get(id) ?? []) w.resolve();
    this.waiters.delete(id);
  }

  /** Writes what is still queued (once), then stops. */
  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flushing;
    if (this.queued.size > 0)
      await this.flush().catch((err: Error) =>
        this.onError(`job events not written at stop: ${err.message}`),
      );
  }
}

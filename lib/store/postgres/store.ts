import type pg from 'pg';
import type { Database } from 'sql.js';
import { sqlrsError } from '../../errors.js';
import { CatalogDb } from '../sqljs/catalog-db.js';
import type { WriterCall } from '../sqljs/journal-record.js';
import { applyCalls } from '../sqljs/journal-replay.js';
import { SCHEMA_VERSION } from '../sqljs/migrations.js';
import type { Store, StoreWriter } from '../types.js';
import { catalogError, inTransaction } from './connection.js';
import { readSnapshot } from './snapshot.js';
import { pgWriter, runStatements } from './writer.js';

/** Where the catalog lives: the pool, the quoted schema, its channel, `host:port/db`. */
export interface PgCatalog {
  pool: pg.Pool;
  s: string;
  channel: string;
  server: string;
  onError: (reason: string) => void;
}

const MAX_TRIES = 20;
const FETCH_ROWS = 1000;
/** The change log keeps its last 10,000 records, and every record younger than an hour. */
const KEEP_RECORDS = 10_000;
const TRIM_EVERY = 500;

type Record = { seq: number; calls: WriterCall[] };
/** A record whose COMMIT got no answer: its seq, its text, the commit() calls it carried. */
type Doubt = { seq: number; text: string; queued: WriterCall[][] };

/** Errors of appends whose COMMIT got no answer (the outcome is learned from the log). */
const DOUBTED = new WeakSet<object>();

/**
 * The shared catalog (docs/scaling.md): a replica in sql.js memory serves every read; the
 * truth and its change log are in PostgreSQL. A write runs its function on the replica to
 * learn its calls, then commits them in PostgreSQL only if no other engine wrote since the
 * replica's last record, else fetches and runs the function again.
 */
export class PostgresStore extends CatalogDb implements Store {
  readonly schemaVersion = SCHEMA_VERSION;
  readonly shared = true;
  /** The last change-log record the replica holds. */
  seq = 0;
  /** commit() calls applied to the replica, not yet in PostgreSQL (in order). */
  private queued: WriterCall[][] = [];
  /** PostgreSQL writes of this store, one at a time (they would only collide on the head). */
  private chain: Promise<unknown> = Promise.resolve();
  private fetching?: Promise<void>;
  private again?: Promise<void>;
  /** Our record being committed: a fetch stops before it (its calls are applied by us). */
  private ownSeq?: number;
  /** A COMMIT whose outcome is unknown (the connection died in it). */
  private inDoubt?: Doubt;
  /** The one settling of `inDoubt` under way: every caller shares it (see settle). */
  private settling?: Promise<boolean>;
  private closed = false;
  private appended = 0;
  /** The background flush of commit() calls, when one is due (see flushSoon). */
  private flushTimer?: NodeJS.Timeout;
  stopListening: () => Promise<void> = async () => undefined;

  constructor(
    db: Database,
    now: () => Date,
    private readonly pg: PgCatalog,
    readonly catalogId: string,
    readonly lockSecret: string,
  ) {
    super(db, now);
  }

  /** Replaces the replica's rows with a snapshot, with `extra` (local changes) on top. */
  load(snapshot: { seq: number; calls: WriterCall[] }, extra: WriterCall[][] = []): void {
    try {
      this.applyRecorded([snapshot.calls, ...extra], true);
    } catch (err) {
      this.pg.onError(`local catalog changes dropped on reload: ${(err as Error).message}`);
      this.applyRecorded([snapshot.calls], true);
      this.queued = [];
    }
    this.seq = snapshot.seq;
  }

  async write<T>(fn: (w: StoreWriter) => T): Promise<T> {
    if (this.closed) throw new Error('catalog is closed');
    return this.serial(async () => {
      for (let tries = 0; tries < MAX_TRIES; tries++) {
        await this.refresh();
        const { result, calls } = this.capture(fn);
        const own = JSON.parse(calls) as WriterCall[];
        if (own.length === 0) {
          await this.appendQueued();
          return result;
        }
        const seq = this.seq;
        try {
          if (await this.append(own, seq)) return result;
        } catch (err) {
          // The connection died in COMMIT: the log, read on a new connection, says whether the
          // record landed (done) or not (run again at the head). A server still away: 503.
          if (!DOUBTED.has(err as object)) throw err;
          if (await this.settle().catch(() => Promise.reject(err))) return result;
        }
      }
      throw sqlrsError(
        'busy',
        `the catalog at ${this.pg.server} kept changing under a write (${MAX_TRIES} tries); try again`,
      );
    });
  }

  /**
   * Applied here at once; in PostgreSQL with the next flush, write or close. The remote
   * records that came in between land after it in the replica and before it in PostgreSQL:
   * commit() callers only write keyed rows that are theirs alone (their pending op ids, their
   * own instance rows), which no other engine writes, so both orders give the same rows
   * (docs/scaling.md, Writes).
   */
  commit<T>(fn: (w: StoreWriter) => T): T {
    if (this.closed) throw new Error('catalog is closed');
    const { result, calls } = this.commitRecorded(fn);
    const parsed = JSON.parse(calls) as WriterCall[];
    if (parsed.length > 0) {
      this.queued.push(parsed);
      this.flushSoon(0);
    }
    return result;
  }

  /**
   * commit() calls go to PostgreSQL by themselves, in the background: other engines must see
   * them (an instance shown, a record cleared) without waiting for this engine's next write,
   * which may never come. Calls committed together share one flush; a flush that fails (the
   * server away) leaves them queued and tries again after a pause doubling up to 5 s.
   */
  private flushSoon(delay: number): void {
    if (this.flushTimer || this.closed) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      if (this.closed || (this.queued.length === 0 && !this.inDoubt)) return;
      this.flush().catch((err: Error) => {
        this.pg.onError(`catalog changes not saved yet: ${err.message}; trying again`);
        this.flushSoon(Math.min(Math.max(delay * 2, 100), 5000));
      });
    }, delay);
    this.flushTimer.unref();
  }

  flush(): Promise<void> {
    return this.serial(() => this.appendQueued());
  }

  /**
   * Fetches the records after the replica's and applies them. Callers share a fetch, but one
   * that arrives while a fetch runs gets the next one, which starts after it: a refresh sees
   * every record committed before it was called.
   */
  refresh(): Promise<void> {
    if (!this.fetching) {
      this.fetching = this.fetchAll().finally(() => {
        this.fetching = undefined;
      });
      return this.fetching;
    }
    this.again ??= this.fetching
      .catch(() => undefined)
      .then(() => {
        this.again = undefined;
        return this.refresh();
      });
    return this.again;
  }

  /** A notification of record `seq` (or of a reconnect): fetch unless the replica has it. */
  notified(seq?: number): void {
    if (this.closed || (seq !== undefined && seq <= this.seq)) return;
    this.refresh().catch((err: Error) => this.pg.onError(err.message));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.flushTimer);
    try {
      await this.serial(() => this.appendQueued());
    } finally {
      await this.stopListening();
      await this.pg.pool.end().catch(() => undefined);
      this.db.close();
    }
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async appendQueued(): Promise<void> {
    if (this.inDoubt) await this.fetchAll();
    if (this.queued.length > 0) await this.append([], undefined);
  }

  /**
   * One record in PostgreSQL: the queued commit() calls, then `own`, as head + 1, with the
   * head locked. With `expect`, only if the head is still there (else false: run again).
   * Without it (a flush), the records in between are applied to the replica first.
   */
  private async append(own: WriterCall[], expect: number | undefined): Promise<boolean> {
    const { s, pool, server, channel } = this.pg;
    const queued = this.queued.splice(0);
    const calls = [...queued.flat(), ...own];
    const text = JSON.stringify(calls);
    let next = 0;
    let doubted = false;
    try {
      const outcome = await inTransaction(
        pool,
        server,
        async (c) => {
          const head = Number((await c.query(`SELECT seq FROM ${s}.head FOR UPDATE`)).rows[0].seq);
          if (expect !== undefined && head !== expect) return 'rollback';
          if (head > this.seq) await this.catchUp(c, head, queued);
          const w = pgWriter(s);
          applyCalls(w.writer, calls);
          await runStatements(c, w.statements());
          next = head + 1;
          await c.query(`INSERT INTO ${s}.journal (seq, calls) VALUES ($1, $2)`, [next, text]);
          await c.query(`UPDATE ${s}.head SET seq = $1`, [next]);
          await c.query('SELECT pg_notify($1, $2)', [channel, String(next)]);
          this.ownSeq = next;
          return 'committed';
        },
        () => {
          doubted = true;
          this.inDoubt = { seq: next, text, queued };
        },
      );
      if (outcome === 'rollback') {
        this.queued.unshift(...queued);
        return false;
      }
    } catch (err) {
      // Taken back only when surely not written; a doubted record's calls go back (or not)
      // once its outcome is known, by whichever caller settles it first.
      if (!doubted) this.queued.unshift(...queued);
      else if (err && typeof err === 'object') DOUBTED.add(err);
      throw err;
    } finally {
      this.ownSeq = undefined;
    }
    if (own.length > 0) this.applyRecorded([own]);
    this.seq = next;
    if (this.appended++ % TRIM_EVERY === 0) this.trim(next);
    return true;
  }

  /** Inside a flush's transaction: the records up to the locked head, into the replica. */
  private async catchUp(c: pg.PoolClient, head: number, taken: WriterCall[][]): Promise<void> {
    const rows = await c.query<{ seq: string; calls: string }>(
      `SELECT seq, calls FROM ${this.pg.s}.journal WHERE seq > $1 AND seq <= $2 ORDER BY seq`,
      [this.seq, head],
    );
    const records = rows.rows.map((r) => ({ seq: Number(r.seq), calls: JSON.parse(r.calls) }));
    if (!this.applyRecords(records)) {
      this.load(await readSnapshot(this.pg.pool, this.pg.s, this.pg.server), [
        ...taken,
        ...this.queued,
      ]);
    }
  }

  private async fetchAll(): Promise<void> {
    if (this.closed) return;
    if (this.inDoubt) {
      await this.settle();
      return;
    }
    const { pool, s, server } = this.pg;
    for (;;) {
      const rows = await pool
        .query<{ seq: string; calls: string }>(
          `SELECT seq, calls FROM ${s}.journal WHERE seq > $1 ORDER BY seq LIMIT $2`,
          [this.seq, FETCH_ROWS],
        )
        .catch((err) => {
          throw catalogError(server, err);
        });
      if (this.closed) return;
      const records = rows.rows
        .map((r) => ({ seq: Number(r.seq), calls: JSON.parse(r.calls) as WriterCall[] }))
        .filter((r) => r.seq > this.seq && (this.ownSeq === undefined || r.seq < this.ownSeq));
      if (records.length === 0) return;
      if (!this.applyRecords(records)) {
        this.load(await readSnapshot(pool, s, server), this.queued);
        return;
      }
      if (rows.rows.length < FETCH_ROWS) return;
    }
  }

  /**
   * Records that follow the replica's, applied as one commit; false when they do not follow
   * (the log was trimmed past the replica) or do not apply: the replica must be loaded again.
   */
  private applyRecords(records: Record[]): boolean {
    if (records.length === 0) return true;
    if (records.some((r, i) => r.seq !== this.seq + 1 + i)) return false;
    try {
      this.applyRecorded(records.map((r) => r.calls));
    } catch (err) {
      this.pg.onError(`catalog records do not apply to the replica: ${(err as Error).message}`);
      return false;
    }
    this.seq = (records.at(-1) as Record).seq;
    return true;
  }

  /**
   * Settles the COMMIT in doubt, if any: whether its record landed. Callers that come while
   * one settles share it: two settlings would each put the record's commit() calls back, and
   * the second copy would fail every later flush on its keys.
   */
  private settle(): Promise<boolean> {
    const doubt = this.inDoubt;
    if (!doubt) return Promise.resolve(false);
    this.settling ??= this.settleDoubt(doubt).finally(() => {
      this.settling = undefined;
    });
    return this.settling;
  }

  /** After a COMMIT of unknown outcome: learn it from the log, then load the replica again. */
  private async settleDoubt(doubt: Doubt): Promise<boolean> {
    const { pool, s, server } = this.pg;
    const row = await pool
      .query<{ calls: string }>(`SELECT calls FROM ${s}.journal WHERE seq = $1`, [doubt.seq])
      .catch((err) => {
        throw catalogError(server, err);
      });
    const snapshot = await readSnapshot(pool, s, server);
    const landed = row.rows[0]?.calls === doubt.text;
    this.inDoubt = undefined;
    if (!landed) this.queued.unshift(...doubt.queued);
    this.load(snapshot, this.queued);
    return landed;
  }

  /** Old records go, in the background; a replica behind them loads the catalog again. */
  private trim(seq: number): void {
    this.pg.pool
      .query(
        `DELETE FROM ${this.pg.s}.journal WHERE seq <= $1 AND at < now() - interval '1 hour'`,
        [seq - KEEP_RECORDS],
      )
      .catch((err: Error) => this.pg.onError(`catalog change log not trimmed: ${err.message}`));
  }
}

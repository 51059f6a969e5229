import type { Database } from 'sql.js';
import { writeFileDurable } from './durable-file.js';
import { GroupFlusher } from './group-flusher.js';
import {
  DEFAULT_JOURNAL_BYTES,
  encodeRecord,
  JOURNAL_SUFFIX,
  Journal,
  type Statement,
} from './journal.js';
import { one, run } from './sql.js';

type Flush =
  | { kind: 'none' }
  | { kind: 'append'; record: Buffer }
  | { kind: 'checkpoint'; bytes: Uint8Array; epoch: number };

/**
 * How the in-memory catalog reaches the disk (SPEC §7): `state.db` is a snapshot, and the
 * statements committed since it are appended to the journal, one record per flush. When the
 * journal is full, on close, and after a migration, a checkpoint writes a new snapshot (temp
 * file, fsync, rename, directory fsync) under the next epoch, which retires every record.
 * A crash at any point leaves the last snapshot plus the records of its epoch: what was
 * flushed, in order, and nothing half-written.
 */
export class CatalogFile {
  private batch: Statement[] = [];
  private checkpointNext = false;
  /** Records of the current epoch are in the journal: close() checkpoints them away. */
  private journaled = false;
  private readonly flusher = new GroupFlusher<Flush>(
    () => this.snapshot(),
    (f) => this.persist(f),
  );

  private constructor(
    private readonly db: Database,
    private readonly path: string,
    private readonly journal: Journal,
    private epoch: number,
  ) {}

  /**
   * Opens the journal next to `path` and replays the records that follow the snapshot the
   * database was read from. A new catalog (`fresh`) replays nothing: a journal left by
   * another catalog in this place is of no use to it.
   */
  static async open(db: Database, path: string, fresh: boolean, journalBytes?: number) {
    const journal = await Journal.open(
      `${path}${JOURNAL_SUFFIX}`,
      journalBytes ?? DEFAULT_JOURNAL_BYTES,
    );
    const epoch = fresh ? 0 : readEpoch(db);
    const file = new CatalogFile(db, path, journal, epoch);
    if (fresh) file.checkpointNext = true;
    else {
      const records = await journal.replay(epoch);
      for (const statements of records) replay(db, statements);
      file.journaled = records.length > 0;
    }
    await journal.allocate(); // after the replay: a journal that is refused stays as it was
    return file;
  }

  /** Statements just committed: durable with the next flush. */
  record(statements: Statement[]): void {
    for (const s of statements) this.batch.push(s);
  }

  /** Waits for a flush that covers everything recorded before the call. */
  flush(): Promise<void> {
    return this.flusher.flush();
  }

  /** Writes a full snapshot (after a migration, whose statements are not journaled). */
  checkpoint(): Promise<void> {
    this.checkpointNext = true;
    return this.flusher.flush();
  }

  async close(): Promise<void> {
    await this.flusher.idle();
    if (this.journaled || this.batch.length > 0) await this.checkpoint();
    await this.journal.close();
  }

  private snapshot(): Flush {
    const batch = this.batch;
    this.batch = [];
    if (!this.checkpointNext) {
      if (batch.length === 0) return { kind: 'none' };
      const record = encodeRecord(this.epoch, batch);
      if (this.journal.fits(record)) return { kind: 'append', record };
    }
    this.checkpointNext = false;
    const epoch = this.epoch + 1;
    run(this.db, "INSERT OR REPLACE INTO meta VALUES ('journal_epoch', ?)", [String(epoch)]);
    return { kind: 'checkpoint', bytes: this.db.export(), epoch };
  }

  private async persist(f: Flush): Promise<void> {
    try {
      if (f.kind === 'append') {
        await this.journal.append(f.record);
        this.journaled = true;
      } else if (f.kind === 'checkpoint') {
        await writeFileDurable(this.path, f.bytes);
        this.epoch = f.epoch;
        this.journaled = false;
        this.journal.restart();
      }
    } catch (err) {
      // What this flush held is in memory only: the next flush writes a whole snapshot.
      this.checkpointNext = true;
      throw err;
    }
  }
}

function readEpoch(db: Database): number {
  const row = one<{ value: string }>(db, "SELECT value FROM meta WHERE key = 'journal_epoch'");
  return Number(row?.value ?? 0);
}

/** One record, as one transaction: the statements the writer ran, in order. */
function replay(db: Database, statements: Statement[]): void {
  db.exec('BEGIN');
  try {
    for (const [sql, params] of statements) run(db, sql, params);
    db.exec('COMMIT');
  } catch (err) {
    db.exec('ROLLBACK');
    throw new Error(`the catalog journal does not apply: ${(err as Error).message}`);
  }
}

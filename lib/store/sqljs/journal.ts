import { open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type CheckpointResult, type CheckpointTask, checkpointInThread } from './checkpoint.js';
import { syncDir } from './durable-file.js';
import { activeSegment, sealedSegment } from './journal-files.js';
import { catalogRecord, encodeRecord } from './journal-record.js';

/** Below this much journal a checkpoint is not worth its thread (docs/catalog.md). */
export const MIN_CHECKPOINT_BYTES = 4 * 1024 * 1024;

export interface JournalOptions {
  catalogPath: string;
  /** The last sequence number in the snapshot or the journal: the next record's is one more. */
  lastSeq: number;
  /** Whole records in the active segment (after any torn tail was cut). */
  activeBytes: number;
  /** Sealed segments left by an earlier run, oldest first, and their sizes. */
  sealed: Array<{ path: string; bytes: number }>;
  snapshotBytes: number;
  /** A fixed checkpoint threshold; by default the larger of 4 MiB and a quarter of state.db. */
  checkpointBytes?: number;
  /** The catalog's id, written at the start of every segment (journal-record.ts). */
  catalogId?: string;
  /** Told why a background checkpoint failed. */
  onCheckpointFailed?: (reason: string) => void;
  /** Runs a checkpoint (by default on a thread of its own). */
  checkpoint?: (task: CheckpointTask) => Promise<CheckpointResult>;
}

/**
 * The catalog's write-ahead journal, main-thread side (docs/catalog.md, Durability): commits
 * add records, a flush appends every record not yet durable to `state.db.journal` and
 * fdatasyncs it, and once the journal passes its threshold the segment is sealed and a
 * checkpoint folds the sealed segments into `state.db` on another thread.
 */
export class Journal {
  private readonly pending: Buffer[] = [];
  private lastSeq: number;
  private activeBytes: number;
  /** An append failed part-way: what follows `activeBytes` is cut before the next one. */
  private torn = false;
  private sealed: Array<{ path: string; bytes: number }>;
  private snapshotBytes: number;
  private running?: Promise<void>;
  /** After a failed checkpoint, the journal size at which the next is tried. */
  private retryAtBytes = 0;

  constructor(private readonly opts: JournalOptions) {
    this.lastSeq = opts.lastSeq;
    this.activeBytes = opts.activeBytes;
    this.sealed = [...opts.sealed];
    this.snapshotBytes = opts.snapshotBytes;
  }

  /** Adds a committed transaction's calls (JSON); durable once a flush appends it. */
  add(calls: string): void {
    this.pending.push(encodeRecord(++this.lastSeq, calls));
  }

  /** A catalog made at open gets its id after the journal was made. */
  setCatalogId(catalogId: string): void {
    this.opts.catalogId = catalogId;
  }

  get seq(): number {
    return this.lastSeq;
  }

  get hasPending(): boolean {
    return this.pending.length > 0;
  }

  /** No record on disk beyond the snapshot. */
  get empty(): boolean {
    return this.activeBytes === 0 && !this.torn && this.sealed.length === 0;
  }

  /** What a flush writes, taken synchronously: every record not yet durable. */
  capture(): { count: number; bytes: Buffer } {
    return { count: this.pending.length, bytes: Buffer.concat(this.pending) };
  }

  /**
   * Appends captured records and makes them durable. The segment is opened by name for each
   * flush: a journal whose file was removed or replaced fails the write instead of appending
   * to a file nobody will read. Records that fail stay pending and go out with the next flush.
   */
  async append({ count, bytes }: { count: number; bytes: Buffer }): Promise<void> {
    if (count === 0) return;
    const path = activeSegment(this.opts.catalogPath);
    const created = this.activeBytes === 0;
    const { catalogId } = this.opts;
    const out = created && catalogId ? Buffer.concat([catalogRecord(catalogId), bytes]) : bytes;
    const file = await open(path, 'a', 0o600);
    try {
      if (this.torn) await file.truncate(this.activeBytes);
      this.torn = true;
      await file.writeFile(out);
      await file.datasync();
      // A segment's first record: its name must survive a power loss too.
      if (created) await syncDir(dirname(path));
      this.torn = false;
    } finally {
      void file.close().catch(() => undefined);
    }
    this.activeBytes += out.length;
    this.pending.splice(0, count);
  }

  private threshold(): number {
    return (
      this.opts.checkpointBytes ??
      Math.max(MIN_CHECKPOINT_BYTES, Math.floor(this.snapshotBytes / 4))
    );
  }

  /**
   * Seals the active segment and starts a checkpoint once the journal passes its threshold
   * (after a failed checkpoint: once it has grown by another threshold). Called between
   * appends, never during one. A seal that fails leaves the segment active, to be sealed
   * later: the records in it are durable either way.
   */
  async sealIfDue(): Promise<void> {
    const journalBytes = this.activeBytes + this.sealed.reduce((n, s) => n + s.bytes, 0);
    if (this.running || journalBytes < Math.max(this.threshold(), this.retryAtBytes)) return;
    try {
      if (this.activeBytes > 0 && !this.torn) await this.seal();
    } catch (err) {
      this.failed(journalBytes, err as Error);
      return;
    }
    this.startCheckpoint(journalBytes);
  }

  private failed(journalBytes: number, err: Error): void {
    this.retryAtBytes = journalBytes + this.threshold();
    this.opts.onCheckpointFailed?.(err.message);
  }

  private async seal(): Promise<void> {
    const durableSeq = this.lastSeq - this.pending.length;
    const path = sealedSegment(this.opts.catalogPath, durableSeq);
    await rename(activeSegment(this.opts.catalogPath), path);
    this.sealed.push({ path, bytes: this.activeBytes });
    this.activeBytes = 0;
  }

  /** Folds the sealed segments into state.db on another thread; the main thread goes on. */
  startCheckpoint(journalBytes = 0): void {
    if (this.running || this.sealed.length === 0) return;
    const folded = [...this.sealed];
    const run = this.opts.checkpoint ?? checkpointInThread;
    this.running = run({
      catalogPath: this.opts.catalogPath,
      segments: folded.map((s) => s.path),
    })
      .then((result) => {
        if (!result.ok) throw new Error(result.error.message);
        this.sealed = this.sealed.filter((s) => !folded.includes(s));
        this.snapshotBytes = result.bytes;
        this.retryAtBytes = 0;
      })
      .catch((err: Error) => this.failed(journalBytes, err))
      .finally(() => {
        this.running = undefined;
      });
  }

  /** Waits for a checkpoint under way. */
  async idle(): Promise<void> {
    await this.running;
  }

  /**
   * After a snapshot of everything durable was written by the caller (at open or close):
   * every segment is folded in, so they go.
   */
  async dropSegments(): Promise<void> {
    await this.idle();
    for (const s of this.sealed) await unlink(s.path);
    this.sealed = [];
    await unlink(activeSegment(this.opts.catalogPath)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    this.activeBytes = 0;
    this.torn = false;
  }

  setSnapshotBytes(bytes: number): void {
    this.snapshotBytes = bytes;
  }
}

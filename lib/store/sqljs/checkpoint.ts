import { readFile, unlink } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import initSqlJs from 'sql.js';
import { replaceFileDurably } from './durable-file.js';
import { readSegments } from './journal-files.js';
import { checkpointSeq, replayRecords, setCheckpointSeq } from './journal-replay.js';

export interface CheckpointTask {
  /** The catalog's `state.db`. */
  catalogPath: string;
  /** Sealed journal segments, oldest first: what the new snapshot folds in. */
  segments: string[];
}

export type CheckpointResult =
  | { ok: true; seq: number; bytes: number }
  | { ok: false; error: { code: string; message: string } };

/**
 * Builds the next snapshot from the files alone (docs/catalog.md, Checkpoints): the current
 * `state.db` with the sealed segments replayed onto it, stamped with the last sequence number
 * it holds, written to a temporary file, fsynced and renamed over `state.db`; then the folded
 * segments are removed. A crash before the rename leaves the old snapshot and every segment;
 * after it, records at or below the stamp are skipped at replay.
 */
export async function checkpointFromFiles(task: CheckpointTask): Promise<CheckpointResult> {
  try {
    const SQL = await initSqlJs();
    const db = new SQL.Database(await readFile(task.catalogPath));
    let seq: number;
    let bytes: Uint8Array;
    try {
      db.exec('PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF');
      const contents = await readSegments(task.segments);
      seq = replayRecords(
        db,
        contents.flatMap((c) => c.records),
        checkpointSeq(db),
      );
      setCheckpointSeq(db, seq);
      bytes = db.export();
    } finally {
      db.close();
    }
    await replaceFileDurably(task.catalogPath, bytes, 'checkpoint');
    for (const segment of task.segments) await unlink(segment);
    return { ok: true, seq, bytes: bytes.length };
  } catch (err) {
    const { code, message } = err as NodeJS.ErrnoException;
    return { ok: false, error: { code: code ?? 'checkpoint_failed', message } };
  }
}

/**
 * Runs a checkpoint on a thread of its own, started for it and ended after it: replaying and
 * exporting a large catalog takes hundreds of milliseconds that the main thread must not
 * stall for, and an idle thread would keep the snapshot's WebAssembly memory.
 */
export function checkpointInThread(task: CheckpointTask): Promise<CheckpointResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./checkpoint-worker.js', import.meta.url), {
      workerData: task,
    });
    worker.once('message', (result: CheckpointResult) => resolve(result));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the checkpoint thread ended (${code})`)));
  });
}

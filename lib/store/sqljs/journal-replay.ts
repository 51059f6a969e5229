import type { Database } from 'sql.js';
import type { StoreWriter } from '../types.js';
import { CATALOG_CALL, type JournalRecord, type WriterCall } from './journal-record.js';
import { one, run } from './sql.js';
import { sqljsWriter } from './writer.js';

/**
 * Replaying journal records onto a snapshot (docs/catalog.md, Durability). The writer's
 * methods are deterministic given their arguments, so running a transaction's calls again on
 * the state it started from gives the state it committed.
 *
 * The snapshot records the last sequence number it holds in a table of its own, made by this
 * code rather than by a migration: it describes the file, not the catalog's schema.
 */
const CHECKPOINT_TABLE = `CREATE TABLE IF NOT EXISTS journal_checkpoint (
  id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL)`;

export function checkpointSeq(db: Database): number {
  run(db, CHECKPOINT_TABLE);
  return one<{ seq: number }>(db, 'SELECT seq FROM journal_checkpoint WHERE id = 1')?.seq ?? 0;
}

export function setCheckpointSeq(db: Database, seq: number): void {
  run(db, CHECKPOINT_TABLE);
  run(db, 'INSERT OR REPLACE INTO journal_checkpoint (id, seq) VALUES (1, ?)', [seq]);
}

/**
 * Applies the records after `afterSeq`, in order, each in a transaction, and returns the last
 * sequence number applied. Records at or below `afterSeq` are in the snapshot already (a
 * crash between a checkpoint's rename and its segments' removal leaves them). A missing
 * sequence number, or a call that fails, means the files do not belong together: that throws,
 * and nothing is written.
 */
export function replayRecords(db: Database, records: JournalRecord[], afterSeq: number): number {
  const writer = sqljsWriter(db);
  const catalogId = records.some((r) => r.seq === 0) ? catalogIdOf(db) : undefined;
  let last = afterSeq;
  for (const { seq, calls } of records) {
    if (seq === 0) checkCatalog(calls, catalogId);
    if (seq <= last) continue;
    if (seq !== last + 1) throw new Error(`journal record ${last + 1} is missing (next: ${seq})`);
    db.exec('BEGIN');
    try {
      applyCalls(writer, calls);
      db.exec('COMMIT');
    } catch (err) {
      db.exec('ROLLBACK');
      throw new Error(`journal record ${seq} does not apply: ${(err as Error).message}`);
    }
    last = seq;
  }
  return last;
}

/**
 * One record's calls run again on a writer, in order (any StoreWriter: the catalog's own, or
 * the shared catalog's, lib/store/postgres/writer.ts). A name that is no writer method throws.
 */
export function applyCalls(writer: StoreWriter, calls: WriterCall[]): void {
  const methods = writer as unknown as Record<string, (...args: unknown[]) => void>;
  for (const [method, ...args] of calls) {
    const fn = Object.hasOwn(methods, method) ? methods[method] : undefined;
    if (!fn) throw new Error(`unknown writer call ${method}`);
    fn(...args);
  }
}

const catalogIdOf = (db: Database) =>
  one(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'")
    ? one<{ value: string }>(db, "SELECT value FROM meta WHERE key = 'catalog_id'")?.value
    : undefined;

/** A segment's opening record names its catalog: another catalog's journal does not apply. */
function checkCatalog(calls: WriterCall[], catalogId: string | undefined): void {
  const [method, id] = calls[0] ?? [];
  if (method !== CATALOG_CALL || !catalogId || id === catalogId) return;
  throw new Error(`a journal segment belongs to catalog ${String(id)}, not to ${catalogId}`);
}

/**
 * A writer that notes each call that succeeded, as JSON, at the moment it ran (a caller may
 * reuse its row objects afterwards). A call that throws changed nothing (SQLite undoes a
 * failed statement), so leaving it out of the record replays the same outcome.
 */
export function recordingWriter(real: StoreWriter): { writer: StoreWriter; calls: () => string } {
  const noted: string[] = [];
  const writer = {} as Record<string, unknown>;
  for (const [method, fn] of Object.entries(real) as Array<[string, (...a: unknown[]) => void]>) {
    writer[method] = (...args: unknown[]) => {
      fn(...args);
      noted.push(JSON.stringify([method, ...args]));
    };
  }
  return { writer: writer as unknown as StoreWriter, calls: () => `[${noted.join(',')}]` };
}

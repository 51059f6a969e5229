import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { decodeRecords, type JournalRecord } from './journal-record.js';

/**
 * The journal's files next to the catalog `state.db` (docs/catalog.md, Durability):
 * `state.db.journal` is the segment flushes append to; `state.db.journal-<seq>` are sealed
 * segments (seq: the last record's sequence number, 16 digits, so names sort in order)
 * waiting for a checkpoint to fold them into `state.db`.
 */
export const activeSegment = (catalogPath: string) => `${catalogPath}.journal`;
export const sealedSegment = (catalogPath: string, lastSeq: number) =>
  `${catalogPath}.journal-${String(lastSeq).padStart(16, '0')}`;

/** The sealed segments, oldest first, and the active one when it exists. */
export async function listSegments(
  catalogPath: string,
): Promise<{ sealed: string[]; active?: string }> {
  const dir = dirname(catalogPath);
  const active = basename(activeSegment(catalogPath));
  const isSealed = (n: string) =>
    n.startsWith(`${active}-`) && /^\d{16}$/.test(n.slice(active.length + 1));
  const names = await readdir(dir);
  return {
    sealed: names
      .filter(isSealed)
      .sort()
      .map((n) => join(dir, n)),
    active: names.includes(active) ? join(dir, active) : undefined,
  };
}

export interface SegmentContents {
  path: string;
  records: JournalRecord[];
  /** Bytes of whole records; what follows is a torn tail. */
  validBytes: number;
  size: number;
}

/** Reads segments whole; a segment that cannot be read fails the call (never skipped). */
export async function readSegments(paths: string[]): Promise<SegmentContents[]> {
  const out: SegmentContents[] = [];
  for (const path of paths) {
    const bytes = await readFile(path);
    out.push({ path, ...decodeRecords(bytes), size: bytes.length });
  }
  return out;
}

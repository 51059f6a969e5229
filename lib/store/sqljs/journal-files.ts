import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { decodeRecords, type JournalRecord, wholeRecordAfter } from './journal-record.js';

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

/**
 * Reads segments whole; a segment that cannot be read fails the call (never skipped). Only the
 * active segment (`active`) may end in a torn tail: a sealed one was durable whole before it
 * was renamed, so one that is damaged, or ends short of the record its name says, has lost
 * answered changes and fails the call. So does damage in the active segment with a whole
 * record after it (docs/catalog.md, Opening): cutting there would drop answered changes.
 */
export async function readSegments(paths: string[], active?: string): Promise<SegmentContents[]> {
  const out: SegmentContents[] = [];
  for (const path of paths) {
    const bytes = await readFile(path);
    const contents = { path, ...decodeRecords(bytes), size: bytes.length };
    if (path === active) checkActive(contents, bytes);
    else checkSealed(contents);
    out.push(contents);
  }
  return out;
}

const damaged = (c: SegmentContents, why: string) =>
  new Error(`journal segment ${c.path} is ${why}: opening would lose answered changes`);

function checkSealed(c: SegmentContents): void {
  const named = Number(c.path.slice(c.path.lastIndexOf('-') + 1));
  const last = c.records.at(-1)?.seq ?? 0;
  if (c.validBytes < c.size || last !== named) {
    throw damaged(
      c,
      `damaged: it ends at record ${last}, its name says ${named} (whole records up to byte ${c.validBytes} of ${c.size})`,
    );
  }
}

function checkActive(c: SegmentContents, bytes: Buffer): void {
  if (c.validBytes === c.size) return;
  const after = wholeRecordAfter(bytes, c.validBytes);
  if (after) {
    throw damaged(
      c,
      `damaged at byte ${c.validBytes}, and whole record ${after.seq} follows (answered changes, not a torn tail)`,
    );
  }
}

import { open } from 'node:fs/promises';
import type { Database } from 'sql.js';
import { readSegments } from './journal-files.js';
import { checkpointSeq, replayRecords } from './journal-replay.js';

export interface Recovered {
  /** The last sequence number the snapshot or the journal holds. */
  lastSeq: number;
  /** Whole records in the active segment. */
  activeBytes: number;
  /** Sealed segments not yet folded into the snapshot, oldest first. */
  sealed: Array<{ path: string; bytes: number }>;
}

/**
 * Replays the journal onto the snapshot just read (docs/catalog.md, Opening): the sealed
 * segments in order, then the active one, skipping records the snapshot holds. A torn tail of
 * the active segment (a record a crash cut short, never acknowledged) is cut off, so that the
 * next append follows the last whole record. A journal that does not apply throws before
 * anything is changed on disk.
 */
export async function recoverJournal(
  db: Database,
  segments: { sealed: string[]; active?: string },
): Promise<Recovered> {
  const paths = segments.active ? [...segments.sealed, segments.active] : segments.sealed;
  const contents = await readSegments(paths, segments.active);
  const lastSeq = replayRecords(
    db,
    contents.flatMap((c) => c.records),
    checkpointSeq(db),
  );
  const active = segments.active ? contents.at(-1) : undefined;
  if (active && active.validBytes < active.size) {
    const file = await open(active.path, 'r+');
    try {
      await file.truncate(active.validBytes);
      await file.datasync();
    } finally {
      await file.close();
    }
  }
  return {
    lastSeq,
    activeBytes: active?.validBytes ?? 0,
    sealed: contents.filter((c) => c !== active).map((c) => ({ path: c.path, bytes: c.size })),
  };
}

import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Test } from 'tap';
import { STATE_DB } from '../../lib/store/sqljs/index.js';
import { activeSegment } from '../../lib/store/sqljs/journal-files.js';

/**
 * Makes a state dir's catalog impossible to save, as a full disk would, and saveable again. A
 * directory (not empty) stands where the journal's active segment `state.db.journal` was: a
 * flush opens the segment by name and fails (EISDIR), as an append fails on a full disk.
 * Needs no privileges, unlike mounting a full file system. The segment is put aside meanwhile
 * and back by `repair` (and the test's end); the catalog lives in memory, and the next flush
 * appends what failed.
 */
export function unsavable(t: Test, stateDir: string) {
  const path = activeSegment(join(stateDir, STATE_DB));
  const aside = `${path}.aside`;
  const repair = async () => {
    await rm(path, { recursive: true, force: true });
    await rename(aside, path).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  };
  t.teardown(repair);
  return {
    async break(): Promise<void> {
      await rename(path, aside).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
      await mkdir(path);
      await writeFile(join(path, 'in-the-way'), '');
    },
    repair,
  };
}

import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Test } from 'tap';
import { STATE_DB } from '../../lib/store/sqljs/index.js';

/**
 * Makes a state dir's catalog impossible to save, as a full disk would, and saveable again. A
 * directory (not empty) stands where `state.db` was: a flush writes and fsyncs its temporary
 * file, then its rename fails (EISDIR), the same way round as ENOSPC would fail it. Needs no
 * privileges, unlike mounting a full file system. The catalog lives in memory meanwhile; the
 * next flush after `repair` (and the test's end) writes it whole.
 */
export function unsavable(t: Test, stateDir: string) {
  const path = join(stateDir, STATE_DB);
  const repair = () => rm(path, { recursive: true, force: true });
  t.teardown(repair);
  return {
    async break(): Promise<void> {
      await rm(path, { force: true });
      await mkdir(path);
      await writeFile(join(path, 'in-the-way'), '');
    },
    repair,
  };
}

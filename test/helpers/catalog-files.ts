import { copyFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { STATE_DB } from '../../lib/store/sqljs/index.js';

/**
 * Copies a catalog as it is on disk, `state.db` and its journal segments, to another state
 * dir: what a crash at this moment would leave, to open while the engine runs on the original
 * (or after it was killed).
 * The segments go first and the snapshot last, so that a checkpoint finishing meanwhile
 * leaves a newer snapshot with the segments it folded in (skipped at replay), never an older
 * one without them; a segment sealed or removed meanwhile makes it start over.
 */
export async function copyCatalog(fromDir: string, toDir: string): Promise<void> {
  for (;;) {
    const names = (await readdir(fromDir)).filter((n) => n.startsWith(`${STATE_DB}.journal`));
    try {
      for (const name of names.sort()) await copyFile(join(fromDir, name), join(toDir, name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    // No state.db: a catalog not made yet (a start killed before its first snapshot).
    await copyFile(join(fromDir, STATE_DB), join(toDir, STATE_DB)).catch(
      (err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      },
    );
    return;
  }
}

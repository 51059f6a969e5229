import {
  closeSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { fileSystemReason } from '../lib/fs-reason.js';
import { pidAlive } from '../runtime/lock.js';
import { CliError, EXIT } from './errors.js';

const SPAWN_LOCK_STALE_MS = 15_000;

/** An exclusive lock file; a lock older than SPAWN_LOCK_STALE_MS or of a dead pid is stale. */
export async function spawnLock(path: string, waitMs: number): Promise<() => void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      writeLock(path);
      return () => {
        try {
          unlinkSync(path);
        } catch {
          // already gone
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (isStale(path)) {
      try {
        unlinkSync(path);
      } catch {
        // someone else removed it
      }
      continue;
    }
    if (Date.now() > deadline) throw new CliError(`timed out waiting for ${path}`, EXIT.engine);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Creates the lock with our pid in it; EEXIST is for the caller, other errors are said here. */
function writeLock(path: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'wx', 0o600);
    writeSync(fd, `${process.pid}\n`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw err;
    // A lock we could not fill (a full disk) must not be left for the next CLI to wait on.
    if (fd !== undefined) rmSync(path, { force: true });
    throw new CliError(`cannot write ${path}: ${fileSystemReason(err)}`, EXIT.engine);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function isStale(path: string): boolean {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
    return !pidAlive(pid) || Date.now() - statSync(path).mtimeMs > SPAWN_LOCK_STALE_MS;
  } catch {
    return false;
  }
}

import {
  closeSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { pidAlive } from '../../engine-files/pid-alive.js';
import { fileSystemReason } from '../../files/fs-reason.js';
import { startFailed } from './start-failed.js';

// Above the health wait (engine-start.ts): a CLI still waiting for its engine holds the lock.
const SPAWN_LOCK_STALE_MS = 45_000;

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
    const stale = staleLock(path);
    if (stale !== undefined) {
      try {
        // Only the lock judged stale: another CLI may have replaced it meanwhile.
        if (statSync(path).ino === stale) unlinkSync(path);
      } catch {
        // someone else removed it
      }
      continue;
    }
    if (Date.now() > deadline) throw startFailed(`timed out waiting for ${path}`);
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
    throw startFailed(`cannot write ${path}: ${fileSystemReason(err)}`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * The inode of a stale lock: older than SPAWN_LOCK_STALE_MS, or holding the pid of a process
 * that is gone. An empty lock is one whose CLI is between creating and filling it; it was taken
 * for a dead pid, and two CLIs starting together then both started an engine.
 */
function staleLock(path: string): number | undefined {
  try {
    const { ino, mtimeMs } = statSync(path);
    if (Date.now() - mtimeMs > SPAWN_LOCK_STALE_MS) return ino;
    const text = readFileSync(path, 'utf8');
    if (text.trim() === '' || pidAlive(Number.parseInt(text, 10))) return undefined;
    return ino;
  } catch {
    return undefined;
  }
}

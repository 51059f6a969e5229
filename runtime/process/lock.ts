import { link, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { pidAlive } from '../../lib/engine-files/pid-alive.js';
import { fileSystemReason } from '../../lib/files/fs-reason.js';

export const LOCK_FILE = 'engine.lock';

async function readPid(path: string): Promise<number | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  return text === undefined ? undefined : Number.parseInt(text.trim(), 10);
}

/**
 * One engine per state directory. The lock is created atomically with link(2) from a private
 * file holding our pid; a lock whose pid is dead is moved aside with rename(2) (atomic, so two
 * engines taking over the same stale lock cannot both win) and then replaced.
 */
export async function acquireLock(path: string, pid = process.pid): Promise<() => Promise<void>> {
  const mine = `${path}.${pid}`;
  try {
    await writeFile(mine, `${pid}\n`, { mode: 0o600 }).catch((err) => {
      throw new Error(`cannot write ${mine}: ${fileSystemReason(err)}`);
    });
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await link(mine, path);
        return () => releaseLock(path, pid);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const owner = await readPid(path);
      if (owner !== undefined && pidAlive(owner) && owner !== pid) {
        throw lockHeld(owner, path);
      }
      await takeOverStale(path, pid);
    }
    throw new Error(`could not take the lock ${path}`);
  } finally {
    await unlink(mine).catch(() => undefined);
  }
}

async function takeOverStale(path: string, pid: number): Promise<void> {
  const aside = `${path}.stale-${pid}`;
  try {
    await rename(path, aside);
  } catch {
    return; // someone else moved it first; retry the link
  }
  const owner = await readPid(aside);
  if (owner !== undefined && owner !== pid && pidAlive(owner)) {
    // We moved a live engine's fresh lock: put it back and give up.
    await link(aside, path).catch(() => undefined);
    await unlink(aside).catch(() => undefined);
    throw lockHeld(owner, path);
  }
  await unlink(aside).catch(() => undefined);
}

async function releaseLock(path: string, pid: number): Promise<void> {
  if ((await readPid(path)) === pid) await unlink(path).catch(() => undefined);
}

/**
 * Says what to do, too: the CLI meets this when the running engine's engine.json is gone (it
 * cannot reach that engine, which stops at its idle timeout), so the way out is to stop it.
 */
function lockHeld(owner: number, path: string): Error {
  return new Error(
    `another engine (pid ${owner}) is using this state directory (${path}); stop it (kill ${owner}) and try again`,
  );
}

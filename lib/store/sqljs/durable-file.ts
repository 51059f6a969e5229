import { open, readdir, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Replaces a file whole, so that a crash at any moment leaves either the old or the new file,
 * never a torn one (docs/catalog.md, Durability): write a temporary file
 * `<path>.tmp-<pid>-<tag>`, fsync it, rename it over the target, and fsync the directory so
 * the rename itself survives a power loss. `tag` keeps two writers of one process (the main
 * thread and a checkpoint thread) off each other's temporary file.
 */
export async function replaceFileDurably(path: string, bytes: Uint8Array, tag: string) {
  const tmpPath = `${path}.tmp-${process.pid}-${tag}`;
  const tmp = await open(tmpPath, 'w', 0o600);
  try {
    await tmp.writeFile(bytes);
    await tmp.sync();
    await tmp.close();
    await rename(tmpPath, path);
  } catch (err) {
    await tmp.close().catch(() => undefined);
    // A part-written file (a full disk) is no use to anyone.
    await unlink(tmpPath).catch(() => undefined);
    throw err;
  }
  await syncDir(dirname(path));
}

/** Makes the directory's entries (a rename, a created file) survive a power loss. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Temporary files left by a process that died mid-write are never the source of truth. */
export async function removeStaleTemps(path: string): Promise<void> {
  const prefix = `${basename(path)}.tmp-`;
  const dir = dirname(path);
  for (const entry of await readdir(dir)) {
    if (entry.startsWith(prefix)) await unlink(join(dir, entry)).catch(() => undefined);
  }
}

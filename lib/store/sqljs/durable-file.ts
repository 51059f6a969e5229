import { open, readdir, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Replaces `path` with `bytes` so that a crash at any moment leaves either the old or the new
 * file, never a torn one: write a temporary file, fsync it, rename it over the target, and fsync
 * the directory so the rename itself survives a power loss (SPEC §7).
 */
export async function writeFileDurable(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  const file = await open(tmp, 'w', 0o600);
  try {
    await file.writeFile(bytes);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(tmp, path);
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
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

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * `mkdir -p` whose error says why. Node's recursive mkdir reports ENOENT when a directory
 * cannot be made on a read-only file system (Node 20, seen: "cannot create ...: no such file
 * or directory"); the real cause comes from making the missing directories one at a time.
 */
export function makeDirs(dir: string, mode: number): void {
  try {
    mkdirSync(dir, { recursive: true, mode });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    throw firstFailure(dir, mode) ?? err;
  }
}

/** Makes `dir`'s missing ancestors top down, non-recursively; the first error that is not EEXIST. */
function firstFailure(dir: string, mode: number): unknown {
  const chain: string[] = [];
  for (let d = dir; dirname(d) !== d; d = dirname(d)) chain.unshift(d);
  for (const d of chain) {
    try {
      mkdirSync(d, { mode });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return err;
    }
  }
  return undefined;
}

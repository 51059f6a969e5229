import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { TaskResult } from '../../../errors.js';

export interface DigestFilesInput {
  paths: string[];
}

const CHUNK = 1 << 20;

/**
 * Worker task: SHA-256 of each file's bytes now ('gone' when it cannot be read), read in
 * chunks. A psql step compares them with the digests of what its hashing read
 * (lib/prepare/kinds/psql/step.ts): a write still under way when the file was hashed shows here.
 */
export function digestFiles(input: DigestFilesInput): TaskResult<{ digests: string[] }> {
  return { ok: true, digests: input.paths.map(digestOf) };
}

function digestOf(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return 'gone';
  }
  try {
    if (!fstatSync(fd).isFile()) return 'gone';
    const hash = createHash('sha256');
    const buf = Buffer.allocUnsafe(CHUNK);
    for (let n = readSync(fd, buf); n > 0; n = readSync(fd, buf)) hash.update(buf.subarray(0, n));
    return hash.digest('hex');
  } catch {
    return 'gone';
  } finally {
    closeSync(fd);
  }
}

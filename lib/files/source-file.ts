import { constants as bufferConstants } from 'node:buffer';
import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readFileSync, realpathSync } from 'node:fs';
import {
  changedWhileRead,
  fileIdentity,
  type ReadJournal,
  unsettledFor,
  wallClockNs,
} from './file-identity.js';
import { fileSystemReason } from './fs-reason.js';

/**
 * The most a script file (a step's `-f`, an include, a `\copy` source) can hold: its text is
 * scanned for includes as one string, and a string is at most this long.
 */
export const MAX_SOURCE_BYTES = bufferConstants.MAX_STRING_LENGTH;

/** Reads of a file that keeps changing before one holds still: then the hashing fails. */
export const READ_ATTEMPTS = 5;

/**
 * Reads a script file the engine hashes, and says where it really is (links resolved): a
 * regular file of at most MAX_SOURCE_BYTES. A device, a pipe or a directory is refused before
 * anything is read: `-f /dev/zero` would be read until the engine ran out of memory, and a
 * FIFO with no writer would block a worker for good. Opened non-blocking, so that opening a FIFO
 * does not wait for its writer either. Throws an error with a `code`, which
 * `unreadableReason` words.
 *
 * The file is identified (lib/files/file-identity.ts) before and after it is read, and read again
 * when it changed meanwhile, or changed so recently that a write in the same tick of the
 * kernel's clock could still go unseen (the read waits that out, tens of ms). The identity it
 * settled on goes to `journal`: what a build later checks the file against, so the state kept
 * is built from the content that was hashed (docs/prepare.md).
 */
export function readSourceFile(
  path: string,
  journal?: ReadJournal,
): { real: string; content: Buffer } {
  for (let attempt = 1; ; attempt++) {
    const started = wallClockNs();
    const before = identities(path);
    const read = readOnce(path);
    const after = identities(path, read.real);
    const same = JSON.stringify(before) === JSON.stringify(after);
    const wait = same ? unsettledFor(after, started) : 0;
    if (same && wait === 0) {
      journal?.record(after, createHash('sha256').update(read.content).digest('hex'));
      return read;
    }
    if (attempt >= READ_ATTEMPTS)
      throw changedWhileRead(path, `kept changing while it was read (${attempt} reads)`);
    if (wait > 0) sleep(wait);
  }
}

/** The path's identity and its target's (links resolved), by name. */
function identities(path: string, real = realpathSync(path)): Record<string, string> {
  return { [path]: fileIdentity(path) ?? 'gone', [real]: fileIdentity(real) ?? 'gone' };
}

/** Blocks the (worker) thread: hashing is synchronous work. */
function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function readOnce(path: string): { real: string; content: Buffer } {
  const real = realpathSync(path);
  const fd = openSync(real, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    checkSourceFile(fd);
    return { real, content: readFileSync(fd) };
  } finally {
    closeSync(fd);
  }
}

function checkSourceFile(fd: number): void {
  const st = fstatSync(fd);
  if (!st.isFile()) throw Object.assign(new Error(kindOf(st)), { code: 'ENOTREG' });
  if (st.size > MAX_SOURCE_BYTES)
    throw Object.assign(new Error(`${st.size} bytes`), { code: 'EFBIG' });
}

/** What a path that failed readSourceFile is, in a user's words. */
export function unreadableReason(err: unknown): string {
  const { code, message } = err as NodeJS.ErrnoException;
  if (code === 'ENOENT') return 'file not found';
  if (code === 'ENOTREG') return `not a regular file (${message})`;
  if (code === 'ECHANGED') return `${message}: prepare again once it is saved`;
  if (code === 'EFBIG')
    return `${message}, more than the ${MAX_SOURCE_BYTES} a script can hold (about 512 MiB: its text is scanned as one string); split it into steps or includes`;
  return `cannot be read (${fileSystemReason(err)})`;
}

function kindOf(st: ReturnType<typeof fstatSync>): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a pipe';
  if (st.isSocket()) return 'a socket';
  return 'not a file';
}

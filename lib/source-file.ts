import { constants as bufferConstants } from 'node:buffer';
import { closeSync, constants, fstatSync, openSync, readFileSync, realpathSync } from 'node:fs';
import { fileSystemReason } from './fs-reason.js';

/**
 * The most a script file (a step's `-f`, an include, a `\copy` source) can hold: its text is
 * scanned for includes as one string, and a string is at most this long.
 */
export const MAX_SOURCE_BYTES = bufferConstants.MAX_STRING_LENGTH;

/**
 * Reads a script file the engine hashes, and says where it really is (links resolved): a
 * regular file of at most MAX_SOURCE_BYTES. A device, a pipe or a directory is refused before
 * anything is read: `-f /dev/zero` used to be read until the engine ran out of memory, and a
 * FIFO with no writer blocked a worker for good. Opened non-blocking, so that opening a FIFO
 * does not wait for its writer either. Throws an error with a `code`, which
 * `unreadableReason` words.
 */
export function readSourceFile(path: string): { real: string; content: Buffer } {
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

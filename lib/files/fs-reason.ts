/** File-system errors a user can act on, in their words (the errno alone is cryptic). */
const WORDS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EIO: 'input/output error',
  EISDIR: 'a directory is in the way',
  ENOTDIR: 'a part of the path is not a directory',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
};

/** Why a file operation failed: its errno in words, else its code, else its message. */
export function fileSystemReason(err: unknown): string {
  const { code, message } = (err ?? {}) as NodeJS.ErrnoException;
  return (code && WORDS[code]) ?? code ?? message ?? String(err);
}

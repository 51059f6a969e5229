export type CloneStrategy = 'wal_log' | 'file_copy' | 'auto';

/**
 * `auto` copies small databases with WAL_LOG (no checkpoint) and large ones with FILE_COPY
 * (no WAL volume, but a checkpoint first). The default crossover is what bench/clone-strategy
 * measured on the development machine (docs/performance.md); `clone_file_copy_bytes` in the
 * config moves it for another disk.
 */
export const AUTO_FILE_COPY_BYTES = 48 * 1024 * 1024;

export function chooseStrategy(
  configured: CloneStrategy,
  sizeBytes: number | null,
  fileCopyBytes = AUTO_FILE_COPY_BYTES,
): 'WAL_LOG' | 'FILE_COPY' {
  if (configured === 'wal_log') return 'WAL_LOG';
  if (configured === 'file_copy') return 'FILE_COPY';
  return sizeBytes !== null && sizeBytes >= fileCopyBytes ? 'FILE_COPY' : 'WAL_LOG';
}

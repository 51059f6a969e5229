export type CloneStrategy = 'wal_log' | 'file_copy' | 'auto';

/**
 * `auto` copies small databases with WAL_LOG (no checkpoint) and large ones with FILE_COPY
 * (no WAL volume). The crossover is measured by bench/ (docs/performance.md).
 */
export const AUTO_FILE_COPY_BYTES = 256 * 1024 * 1024;

export function chooseStrategy(
  configured: CloneStrategy,
  sizeBytes: number | null,
): 'WAL_LOG' | 'FILE_COPY' {
  if (configured === 'wal_log') return 'WAL_LOG';
  if (configured === 'file_copy') return 'FILE_COPY';
  return sizeBytes !== null && sizeBytes >= AUTO_FILE_COPY_BYTES ? 'FILE_COPY' : 'WAL_LOG';
}

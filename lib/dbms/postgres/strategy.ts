export type CloneStrategy = 'wal_log' | 'file_copy' | 'auto';

/**
 * `auto` copies small databases with WAL_LOG (no checkpoint) and large ones with FILE_COPY
 * (no WAL volume, but a checkpoint first). The default crossover is what bench/clone-strategy
 * measured on the development machine (docs/performance.md); `clone_file_copy_bytes` in the
 * config moves it for another disk.
 */
export const AUTO_FILE_COPY_BYTES = 48 * 1024 * 1024;

/**
 * `ahead`: a copy made in the background before anyone asks for it (a warm-pool copy). Under
 * `auto` it is made with FILE_COPY at any size, which writes and fsyncs its files itself. A
 * WAL_LOG copy leaves its pages dirty and its files unsynced for the next checkpoint, and every
 * `DROP DATABASE` forces one: the next instance delete would wait for the copy made while its
 * test ran (docs/performance.md, "What a delete costs"). A WAL_LOG clone made on request costs
 * its delete nothing: dropped before a checkpoint, its dirty pages are discarded unwritten.
 *
 * `fresh`: the source was built moments ago (a cold prepare's instance of the state it just
 * built). The crossover above holds for a settled state; a fresh one still has its pages dirty
 * and its files unsynced, and FILE_COPY's checkpoint writes and syncs all of that first, on the
 * request's path: WAL_LOG writes the same bytes once, to the WAL. A freshly loaded 97 MiB
 * database copied in 0.8-1.9 s with WAL_LOG against 2.0-6.0 s with FILE_COPY, a 16 MiB one in
 * 0.3-0.6 s against 1.6-3.4 s (docs/performance.md, real dumps).
 */
export function chooseStrategy(
  configured: CloneStrategy,
  sizeBytes: number | null,
  fileCopyBytes = AUTO_FILE_COPY_BYTES,
  ahead = false,
  fresh = false,
): 'WAL_LOG' | 'FILE_COPY' {
  if (configured === 'wal_log') return 'WAL_LOG';
  if (configured === 'file_copy' || ahead) return 'FILE_COPY';
  if (fresh) return 'WAL_LOG';
  return sizeBytes !== null && sizeBytes >= fileCopyBytes ? 'FILE_COPY' : 'WAL_LOG';
}

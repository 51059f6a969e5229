import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';

/**
 * A private temp state dir per test, removed when the test ends. SQLRS_KEEP_TMP=1 keeps it:
 * a chaos test's engine logs (logs/engine.log) are what tells a race's sequence afterwards.
 */
export async function tempDir(t: Test, prefix = 'sqlrs-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  if (!process.env.SQLRS_KEEP_TMP) t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

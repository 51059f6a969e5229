import { chmod } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { makeDirs } from '../files/make-dirs.js';

/** The state dir (docs/runtime.md): --state-dir, else SQLRS_STATE_STORE, else engine.json's dir. */
export function resolveStateDir(engineJson: string, flag?: string, env = process.env): string {
  return resolve(flag ?? env.SQLRS_STATE_STORE ?? dirname(engineJson));
}

/** The engine's log (docs/runtime.md, The log). */
export const engineLogPath = (dir: string) => join(dir, 'logs', 'engine.log');

/** Creates the state directory layout with owner-only permissions. */
export async function prepareStateDir(dir: string): Promise<{ log: string }> {
  makeDirs(dir, 0o700); // once, at start-up: sync is fine
  await chmod(dir, 0o700);
  const log = engineLogPath(dir);
  makeDirs(dirname(log), 0o700);
  return { log };
}

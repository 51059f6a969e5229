import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * The state dir of the local engine (docs/cli.md): the flag (`--state-dir`, the client's
 * `stateDir`), else `SQLRS_STATE_STORE` (where the engine started with that variable keeps its
 * state, docs/runtime.md), else `$XDG_STATE_HOME/sqlrs`, else `~/.local/state/sqlrs`.
 */
export function localStateDir(flag: string | undefined, env = process.env): string {
  if (flag) return resolve(flag);
  if (env.SQLRS_STATE_STORE) return resolve(env.SQLRS_STATE_STORE);
  if (env.XDG_STATE_HOME) return join(env.XDG_STATE_HOME, 'sqlrs');
  return join(homedir(), '.local', 'state', 'sqlrs');
}

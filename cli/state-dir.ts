import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** docs/cli.md: --state-dir, else $XDG_STATE_HOME/sqlrs, else ~/.local/state/sqlrs. */
export function cliStateDir(flag: string | undefined, env = process.env): string {
  if (flag) return resolve(flag);
  if (env.XDG_STATE_HOME) return join(env.XDG_STATE_HOME, 'sqlrs');
  return join(homedir(), '.local', 'state', 'sqlrs');
}

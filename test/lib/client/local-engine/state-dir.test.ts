import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import t from 'tap';
import { localStateDir } from '../../../../lib/client/local-engine/state-dir.js';

t.test('the flag, else SQLRS_STATE_STORE, else XDG_STATE_HOME, else ~/.local/state', async (t) => {
  const env = { SQLRS_STATE_STORE: '/store', XDG_STATE_HOME: '/xdg' };
  t.equal(localStateDir('rel/dir', env), resolve('rel/dir'));
  t.equal(localStateDir(undefined, env), '/store');
  t.equal(localStateDir(undefined, { XDG_STATE_HOME: '/xdg' }), '/xdg/sqlrs');
  t.equal(localStateDir(undefined, {}), join(homedir(), '.local', 'state', 'sqlrs'));
});

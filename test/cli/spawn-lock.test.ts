import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { spawnLock } from '../../cli/spawn-lock.js';
import { tempDir } from '../helpers/tmp.js';

t.test('one holder at a time; the second waits, then times out', async (t) => {
  const path = join(await tempDir(t), 'spawn.lock');
  const unlock = await spawnLock(path, 1000);
  await t.rejects(spawnLock(path, 100), { message: `timed out waiting for ${path}`, exitCode: 3 });
  unlock();
  const again = await spawnLock(path, 100);
  again();
  t.same(await readdir(join(path, '..')), []);
});

t.test('a lock that cannot be written says which file and why (exit 3)', async (t) => {
  const path = join(await tempDir(t), 'no-such-dir', 'spawn.lock');
  await t.rejects(spawnLock(path, 100), {
    message: `cannot write ${path}: no such file or directory`,
    exitCode: 3,
  });
});

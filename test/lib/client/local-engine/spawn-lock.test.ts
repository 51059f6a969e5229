import { readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { spawnLock } from '../../../../lib/client/local-engine/spawn-lock.js';
import { tempDir } from '../../../helpers/tmp.js';

t.test('one holder at a time; the second waits, then times out', async (t) => {
  const path = join(await tempDir(t), 'spawn.lock');
  const unlock = await spawnLock(path, 1000);
  await t.rejects(spawnLock(path, 100), {
    message: `timed out waiting for ${path}`,
    code: 'engine_start_failed',
  });
  unlock();
  const again = await spawnLock(path, 100);
  again();
  t.same(await readdir(join(path, '..')), []);
});

t.test('a lock that cannot be written says which file and why (engine_start_failed)', async (t) => {
  const path = join(await tempDir(t), 'no-such-dir', 'spawn.lock');
  await t.rejects(spawnLock(path, 100), {
    message: `cannot write ${path}: no such file or directory`,
    code: 'engine_start_failed',
  });
});

t.test('an empty lock is being written, not stale; an old or dead one is', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'spawn.lock');
  // Another CLI between creating the lock and writing its pid: the lock is not stale.
  await writeFile(path, '');
  await t.rejects(spawnLock(path, 150), { message: `timed out waiting for ${path}` });
  const old = new Date(Date.now() - 60_000);
  await utimes(path, old, old);
  (await spawnLock(path, 150))();
  await writeFile(path, '999999999\n'); // no such process
  (await spawnLock(path, 150))();
  t.same(await readdir(dir), []);
});

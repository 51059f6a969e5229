import { spawnSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { pidAlive } from '../../../lib/engine-files/pid-alive.js';
import { acquireLock } from '../../../runtime/process/lock.js';
import { tempDir } from '../../helpers/tmp.js';

/** A pid that surely is dead: a child that has already exited. */
const deadPid = () => spawnSync(process.execPath, ['-e', '0']).pid as number;

t.test('one holder at a time; release frees it', async (t) => {
  const path = join(await tempDir(t), 'engine.lock');
  const release = await acquireLock(path, process.pid);
  t.equal((await readFile(path, 'utf8')).trim(), String(process.pid));
  await t.rejects(acquireLock(path, process.ppid), /another engine \(pid \d+\)/);
  await release();
  const again = await acquireLock(path, process.ppid);
  await again();
});

t.test('a stale lock of a dead pid is taken over', async (t) => {
  const path = join(await tempDir(t), 'engine.lock');
  await writeFile(path, `${deadPid()}\n`);
  const release = await acquireLock(path);
  t.equal((await readFile(path, 'utf8')).trim(), String(process.pid));
  await release();
  await writeFile(path, 'garbage');
  await (await acquireLock(path))();
});

t.test('pidAlive', async (t) => {
  t.ok(pidAlive(process.pid));
  t.notOk(pidAlive(deadPid()));
  t.notOk(pidAlive(0));
  t.notOk(pidAlive(Number.NaN));
});

t.test('a lock that cannot be written says which file and why', async (t) => {
  const path = join(await tempDir(t), 'engine.lock');
  await mkdir(`${path}.${process.pid}`); // in the way of our pid file, as a full disk would be
  await t.rejects(acquireLock(path, process.pid), {
    message: `cannot write ${path}.${process.pid}: a directory is in the way`,
  });
});

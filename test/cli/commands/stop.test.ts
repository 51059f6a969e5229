import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { pidAlive } from '../../../lib/engine-files/pid-alive.js';
import { cliIn, cliStateDir } from '../../helpers/cli.js';

t.test('stop ends the engine of the state dir; with none running it says so', async (t) => {
  const dir = await cliStateDir(t);
  const cli = cliIn(dir);
  t.equal((await cli(['status'])).code, 0);
  const info = JSON.parse(await readFile(join(dir, 'engine.json'), 'utf8'));
  const res = await cli(['stop']);
  t.equal(res.code, 0, res.stderr);
  t.equal(res.stdout, `stopped the engine at ${info.endpoint} (pid ${info.pid})\n`);
  t.notOk(pidAlive(info.pid), 'the process is gone when stop returns');
  t.notOk(existsSync(join(dir, 'engine.json')), 'and engine.json with it');
  const log = await readFile(join(dir, 'logs', 'engine.log'), 'utf8');
  t.match(log, /engine_stopped/, 'a graceful stop, logged by the engine');
  const again = await cli(['stop']);
  t.equal(again.code, 0);
  t.equal(again.stdout, `no engine is running for ${dir}\n`);
  const json = await cli(['stop', '--output', 'json']);
  t.same(JSON.parse(json.stdout), { stopped: false });
  t.equal((await cli(['stop', 'now'])).code, 2);
});

t.test('a pid that is not this engine is not signalled', async (t) => {
  const dir = await cliStateDir(t);
  const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  t.teardown(() => other.kill());
  await writeFile(
    join(dir, 'engine.json'),
    JSON.stringify({
      endpoint: '127.0.0.1:1',
      pid: other.pid,
      startedAt: new Date().toISOString(),
      authToken: 'x',
      version: '0',
      instanceId: '0'.repeat(32),
    }),
  );
  const res = await cliIn(dir)(['stop']);
  t.equal(res.code, 3);
  t.match(res.stderr, `engine.json names pid ${other.pid}, which does not answer as the engine of`);
  t.match(res.stderr, `if it is a hung sqlrs-engine: kill ${other.pid}`);
  t.ok(pidAlive(other.pid as number), 'left alone');
});

t.test(
  "an engine.json whose pid is not the answering engine's: that pid is not signalled",
  async (t) => {
    const dir = await cliStateDir(t);
    const cli = cliIn(dir);
    t.equal((await cli(['status'])).code, 0);
    const path = join(dir, 'engine.json');
    const info = JSON.parse(await readFile(path, 'utf8'));
    const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
      stdio: 'ignore',
    });
    t.teardown(() => other.kill());
    // The right endpoint and identity, another process's pid (an edited or copied engine.json).
    await writeFile(path, JSON.stringify({ ...info, pid: other.pid }), { mode: 0o600 });
    const res = await cli(['stop']);
    t.equal(res.code, 3, res.stdout);
    t.match(
      res.stderr,
      `engine.json names pid ${other.pid}, which does not answer as the engine of`,
    );
    t.ok(pidAlive(other.pid as number), 'left alone');
    t.ok(pidAlive(info.pid), 'and so is the engine');
    await writeFile(path, JSON.stringify(info), { mode: 0o600 });
  },
);

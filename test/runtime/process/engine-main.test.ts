import { spawnSync } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { request } from 'undici';
import { ENGINE_BIN, spawnEngine, waitForEngineJson } from '../../helpers/engine-process.js';
import { tempDir } from '../../helpers/tmp.js';

const health = async (endpoint: string) => {
  const res = await request(`http://${endpoint}/v1/health`);
  return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
};

t.test('the binary writes engine.json, serves, and cleans up on SIGTERM', async (t) => {
  const dir = await tempDir(t);
  const json = join(dir, 'engine.json');
  const e = spawnEngine(t, [
    '--listen',
    '127.0.0.1:0',
    '--write-engine-json',
    json,
    '--version',
    'v-test',
  ]);
  const info = await waitForEngineJson(json, e.child.pid);
  t.match(info, {
    endpoint: /^127\.0\.0\.1:\d+$/,
    pid: e.child.pid,
    authToken: /^[0-9a-f]{64}$/,
    version: 'v-test',
    instanceId: /^[0-9a-f]{32}$/,
    startedAt: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$/,
  });
  t.equal((await stat(json)).mode & 0o777, 0o600, 'engine.json is owner-only');
  t.equal((await stat(dir)).mode & 0o777, 0o700, 'state dir is owner-only');
  t.same((await health(info.endpoint)).body, {
    ok: true,
    version: 'v-test',
    instanceId: info.instanceId,
    pid: e.child.pid,
  });

  const second = spawnEngine(t, ['--listen', '127.0.0.1:0', '--write-engine-json', json]);
  const secondExit = await second.exit;
  t.equal(secondExit.code, 1, 'a second engine on the same state dir exits non-zero');
  t.match(
    second.stderr(),
    /another engine \(pid (\d+)\) is using this state directory .*; stop it \(kill \1\) and try again/,
  );
  t.equal((await health(info.endpoint)).status, 200, 'the first keeps serving');
  t.equal((await waitForEngineJson(json)).instanceId, info.instanceId, 'and keeps its engine.json');

  e.child.kill('SIGTERM');
  t.same(await e.exit, { code: 0, signal: null });
  await t.rejects(stat(json), 'engine.json removed on clean exit');
  await t.rejects(stat(join(dir, 'engine.lock')), 'lock released');
  const log = (await readFile(join(dir, 'logs', 'engine.log'), 'utf8')).trim().split('\n');
  const events = log.map((l) => JSON.parse(l));
  t.ok(events.some((l) => l.event === 'http' && l.path === '/v1/health' && l.status === 200));
  t.ok(events.some((l) => l.event === 'engine_stopped' && l.reason === 'SIGTERM'));
});

t.test('idle timeout stops the engine by itself', async (t) => {
  const dir = await tempDir(t);
  const json = join(dir, 'engine.json');
  const e = spawnEngine(t, [
    '--listen=127.0.0.1:0',
    `--write-engine-json=${json}`,
    '--idle-timeout=300ms',
  ]);
  await waitForEngineJson(json, e.child.pid);
  t.same(await e.exit, { code: 0, signal: null });
  await t.rejects(stat(json));
});

t.test('a stale lock of a dead engine is taken over; state dir from the environment', async (t) => {
  const dir = await tempDir(t);
  const stateDir = join(dir, 'state');
  const json = join(dir, 'run', 'engine.json');
  await writeFile(join(dir, 'placeholder'), '');
  const dead = spawnSync(process.execPath, ['-e', '0']).pid;
  const { mkdir } = await import('node:fs/promises');
  await mkdir(stateDir, { recursive: true });
  await mkdir(join(dir, 'run'), { recursive: true });
  await writeFile(join(stateDir, 'engine.lock'), `${dead}\n`);
  const e = spawnEngine(t, ['--listen', '127.0.0.1:0', '--write-engine-json', json], {
    SQLRS_STATE_STORE: stateDir,
  });
  await waitForEngineJson(json, e.child.pid);
  t.equal((await readFile(join(stateDir, 'engine.lock'), 'utf8')).trim(), String(e.child.pid));
  await stat(join(stateDir, 'state.db'));
  e.child.kill('SIGINT');
  t.equal((await e.exit).code, 0);
});

t.test('bad flags exit 2; an unreadable catalog exits 1 and is left alone', async (t) => {
  const dir = await tempDir(t);
  const bad = spawnEngine(t, ['--listen', 'nowhere', '--write-engine-json', join(dir, 'x.json')]);
  t.equal((await bad.exit).code, 2);
  t.match(bad.stderr(), /sqlrs-engine: --listen must be HOST:PORT/);
  const missing = spawnEngine(t, ['--listen', '127.0.0.1:0']);
  t.equal((await missing.exit).code, 2);
  t.match(missing.stderr(), /--write-engine-json PATH is required/);
  await writeFile(join(dir, 'state.db'), 'not a database');
  const e = spawnEngine(t, [
    '--listen',
    '127.0.0.1:0',
    '--write-engine-json',
    join(dir, 'engine.json'),
  ]);
  t.equal((await e.exit).code, 1);
  t.match(e.stderr(), /catalog .*state\.db cannot be used .*refusing to start/);
  t.equal(await readFile(join(dir, 'state.db'), 'utf8'), 'not a database');
  await t.rejects(stat(join(dir, 'engine.lock')), 'the lock was released');
  // Started by the CLI, the engine has no terminal: the reason is in its log too.
  const log = (await readFile(join(dir, 'logs', 'engine.log'), 'utf8')).trim().split('\n');
  t.match(JSON.parse(log.at(-1) as string), {
    level: 'error',
    event: 'engine_start_failed',
    message: /catalog .*state\.db cannot be used .*refusing to start/,
  });
});

t.test('--help lists every flag and exits 0; an unknown flag is still exit 2', async (t) => {
  const help = spawnSync(process.execPath, [ENGINE_BIN, '--help'], { encoding: 'utf8' });
  t.equal(help.status, 0);
  t.match(help.stdout, /^Usage: sqlrs-engine --listen HOST:PORT --write-engine-json PATH/);
  for (const flag of ['listen', 'write-engine-json', 'state-dir', 'idle-timeout', 'run-dir'])
    t.match(help.stdout, `--${flag} `, flag);
  t.match(help.stdout, '--version STRING');
  t.equal(spawnSync(process.execPath, [ENGINE_BIN, '-h'], { encoding: 'utf8' }).status, 0);
  const bad = spawnSync(process.execPath, [ENGINE_BIN, '--bogus'], { encoding: 'utf8' });
  t.equal(bad.status, 2);
  t.match(bad.stderr, 'sqlrs-engine: unknown argument --bogus');
});

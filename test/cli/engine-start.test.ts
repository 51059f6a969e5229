import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { cliStateDir, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

// The CLI starts the engine detached, with no terminal: what the engine says when it cannot
// start must come back to the user through its log, at once rather than after the health wait.

t.test('an engine that refuses to start: its reason, at once, exit 3', async (t) => {
  const dir = await cliStateDir(t);
  await writeFile(join(dir, 'config.json'), '{"warm_pool": 5}');
  const res = await runCli(['--state-dir', dir, 'ls']);
  t.equal(res.code, 3);
  t.match(
    res.stderr,
    `sqlrs: the engine could not start: config ${join(dir, 'config.json')}: config.warm_pool: must be object\n`,
  );
  t.match(res.stderr, `see ${join(dir, 'logs', 'engine.log')}`);
  // The reason comes from the engine's log at once: the health wait's own message never shows.
  t.notMatch(res.stderr, /did not start within/, 'not the health wait');
  const log = await readFile(join(dir, 'logs', 'engine.log'), 'utf8');
  t.match(log, /"level":"error","event":"engine_start_failed","message":"config /);
});

t.test('an unreadable catalog: the reason of this start, not of an earlier one', async (t) => {
  const dir = await cliStateDir(t);
  await writeFile(join(dir, 'state.db'), 'not a database');
  await writeFile(join(dir, 'config.json'), '{"warm_pool": 5}');
  t.equal((await runCli(['--state-dir', dir, 'ls'])).code, 3);
  await writeFile(join(dir, 'config.json'), '{}');
  const res = await runCli(['--state-dir', dir, 'ls']);
  t.equal(res.code, 3);
  t.match(res.stderr, /the engine could not start: catalog .*state\.db cannot be used/);
  t.notMatch(res.stderr, /config/);
});

t.test('an engine binary that exits without a word, or cannot be run', async (t) => {
  const dir = await cliStateDir(t);
  const quiet = await runCli(['--state-dir', dir, 'ls'], {
    env: { SQLRS_DAEMON_PATH: '/bin/false' },
  });
  t.equal(quiet.code, 3);
  t.match(quiet.stderr, 'sqlrs: the engine exited with code 1 while starting\n');
  const missing = await runCli(['--state-dir', dir, 'ls'], {
    env: { SQLRS_DAEMON_PATH: join(dir, 'no-such-engine') },
  });
  t.equal(missing.code, 3);
  t.match(missing.stderr, /sqlrs: the engine could not be started: spawn .*no-such-engine ENOENT/);
});

t.test('an engine that neither answers nor exits: the health wait, then exit 3', async (t) => {
  const dir = await cliStateDir(t);
  const tmp = await tempDir(t);
  const bin = join(tmp, 'silent-engine');
  const pidFile = join(tmp, 'pid');
  // It outlives any health wait, however slow the machine: it is stopped at the test's end.
  await writeFile(bin, `#!/bin/sh\necho $$ > ${pidFile}\nexec sleep 300\n`);
  await chmod(bin, 0o755);
  t.teardown(async () => {
    const pid = Number(await readFile(pidFile, 'utf8').catch(() => '0'));
    try {
      if (pid > 0) process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  });
  const res = await runCli(['--state-dir', dir, 'ls'], { env: { SQLRS_DAEMON_PATH: bin } });
  t.equal(res.code, 3);
  t.match(res.stderr, /the engine did not start within 30 s/);
});

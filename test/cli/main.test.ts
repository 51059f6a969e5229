import t from 'tap';
import { splitGlobals } from '../../cli/main.js';
import { cliIn, cliStateDir, runCli } from '../helpers/cli.js';

const COMMANDS = [
  'status',
  'prepare:psql',
  'plan:psql',
  'prepare:mysql',
  'plan:mysql',
  'ls',
  'rm',
  'watch',
  'run:psql',
  'run:mysql',
  'exec:psql',
  'exec:mysql',
  'gc',
  'stop',
];

t.test('--help everywhere, without starting an engine', async (t) => {
  const dir = await cliStateDir(t);
  for (const cmd of COMMANDS) {
    const res = await runCli(['--state-dir', dir, cmd, '--help']);
    t.equal(res.code, 0, `${cmd} --help`);
    t.match(res.stdout, new RegExp(`Usage: sqlrs ${cmd}`), cmd);
    t.match(res.stdout, /Exit codes: 0 ok, 2 invalid arguments/);
  }
  const top = await runCli(['--help']);
  t.equal(top.code, 0);
  for (const cmd of COMMANDS) t.match(top.stdout, cmd);
  t.equal((await runCli([])).code, 2, 'no command');
  const unknown = await runCli(['--state-dir', dir, 'frobnicate']);
  t.equal(unknown.code, 2);
  t.match(unknown.stderr, /unknown command frobnicate/);
  t.equal((await runCli(['--output', 'xml', 'ls'])).code, 2);
  const { existsSync } = await import('node:fs');
  t.notOk(existsSync(`${dir}/engine.json`), 'help never started an engine');
});

t.test('global flags before or after the command, never after --', async (t) => {
  t.same(splitGlobals(['--output', 'json', 'ls', '-v']), {
    output: 'json',
    verbose: true,
    help: false,
    version: false,
    command: 'ls',
    argv: [],
  });
  const g = splitGlobals(['prepare:psql', '--state-dir=/s', '-f', 'x.sql', '--', '-v', 'a=1']);
  t.equal(g.stateDir, '/s');
  t.same(g.argv, ['-f', 'x.sql', '--', '-v', 'a=1']);
  t.throws(() => splitGlobals(['--state-dir']), { message: '--state-dir needs a value' });
});

t.test('--version and -V print the package version, without starting an engine', async (t) => {
  const { packageVersion } = await import('../../lib/package-info.js');
  const dir = await cliStateDir(t);
  for (const flag of ['--version', '-V']) {
    const res = await runCli(['--state-dir', dir, flag]);
    t.equal(res.code, 0, flag);
    t.equal(res.stdout, `sqlrs ${packageVersion()}\n`, flag);
  }
  const { existsSync } = await import('node:fs');
  t.notOk(existsSync(`${dir}/engine.json`));
  t.equal(splitGlobals(['ls', '--version']).version, false, "after a command it is the command's");
});

t.test('status: human and JSON', async (t) => {
  const cli = cliIn(await cliStateDir(t));
  const human = await cli(['status']);
  t.equal(human.code, 0, human.stderr);
  t.match(human.stdout, /engine\s+127\.0\.0\.1:\d+ \(pid \d+, version /);
  t.match(human.stdout, /image\s+postgres\s+ok/);
  const res = await cli(['status', '--output', 'json']);
  const body = JSON.parse(res.stdout);
  t.same(Object.keys(body).sort(), [
    'endpoint',
    'images',
    'instanceId',
    'ok',
    'pid',
    'stateDir',
    'version',
  ]);
  t.match(body, { ok: true, endpoint: /^127\.0\.0\.1:\d+$/, instanceId: /^[0-9a-f]{32}$/ });
  t.match(body.images, [
    { id: 'postgres', ok: true },
    { id: 'mariadb', kind: 'mysql' },
  ]);
});

t.test('parallel first use starts a single engine', async (t) => {
  const dir = await cliStateDir(t);
  const cli = cliIn(dir);
  const runs = await Promise.all(
    Array.from({ length: 4 }, () => cli(['status', '--output', 'json'])),
  );
  t.ok(
    runs.every((r) => r.code === 0),
    runs.map((r) => r.stderr).join(''),
  );
  const pids = new Set(runs.map((r) => JSON.parse(r.stdout).pid));
  t.equal(pids.size, 1, 'every CLI talked to the same engine');
  const { execFileSync } = await import('node:child_process');
  const ps = execFileSync('ps', ['-eo', 'args'])
    .toString()
    .split('\n')
    .filter((l) => l.includes(`${dir}/engine.json`));
  t.equal(ps.length, 1, 'one engine process for the state dir');
});

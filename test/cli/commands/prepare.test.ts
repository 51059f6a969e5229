import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { CLI_BIN, cliIn, cliStateDir } from '../../helpers/cli.js';
import { query } from '../../helpers/postgres.js';
import { tempDir } from '../../helpers/tmp.js';

t.test('prepare:psql prints DSN=, resolves relative -f, reads -f - from stdin', async (t) => {
  const cli = cliIn(await cliStateDir(t));
  const work = await tempDir(t);
  await mkdir(join(work, 'db'));
  await writeFile(join(work, 'db', 'schema.sql'), 'create table t(x int);\n\\ir seed.sql\n');
  await writeFile(join(work, 'db', 'seed.sql'), 'insert into t values (1);\n');
  const res = await cli(['prepare:psql', '--', '-f', 'db/schema.sql', '-f', '-'], {
    cwd: work,
    input: 'insert into t values (2);',
  });
  t.equal(res.code, 0, res.stderr);
  const m = /^DSN=(postgres:\/\/\S+)\n$/.exec(res.stdout);
  t.ok(m, `stdout is one DSN line: ${res.stdout}`);
  t.same(await query(m?.[1] as string, 'select x from t order by x'), [{ x: 1 }, { x: 2 }]);
  t.match(
    res.stderr,
    /execute-1 \(step 2 of 2\) succeeded/,
    'plain progress lines on stderr (not a TTY)',
  );
  t.notMatch(res.stderr, /\r/);
  const json = await cli(['prepare:psql', '--output', 'json', '-f', 'db/schema.sql', '-f', '-'], {
    cwd: work,
    input: 'insert into t values (2);',
  });
  t.match(JSON.parse(json.stdout), {
    dsn: /^postgres:/,
    instance_id: /^[0-9a-f]{32}$/,
    state_id: /^[0-9a-f]{64}$/,
  });
});

t.test('--name, --image, --no-watch then watch; -v shows tool output', async (t) => {
  const cli = cliIn(await cliStateDir(t));
  const started = await cli([
    'prepare:psql',
    '--name',
    'devdb',
    '--image',
    'postgres:15',
    '--no-watch',
    '--',
    '-c',
    "select 'visible-output'",
  ]);
  t.equal(started.code, 0, started.stderr);
  const m =
    /^JOB_ID=([0-9a-f]{32})\nSTATUS_URL=http:\/\/127\.0\.0\.1:\d+\/v1\/prepare-jobs\/\1\nEVENTS_URL=http:\/\/\S+\/events\n$/.exec(
      started.stdout,
    );
  t.ok(m, started.stdout);
  const watched = await cli(['watch', m?.[1] as string, '-v']);
  t.equal(watched.code, 0, watched.stderr);
  t.match(watched.stdout, /^DSN=postgres:\/\/\S+_i_[0-9a-f]{32}\n$/);
  t.match(watched.stderr, /execute-0: .*visible-output/, '-v shows psql output');
  const ls = await cli(['ls', '-n', '--output', 'json']);
  t.match(JSON.parse(ls.stdout), { names: [{ name: 'devdb', status: 'active' }] });
  const taken = await cli(['prepare:psql', '--name', 'devdb', '--', '-c', 'select 1']);
  t.equal(taken.code, 2, 'a taken name is an argument error');
  t.match(taken.stderr, /sqlrs: name devdb is bound to instance/);
  t.equal((await cli(['watch', '0'.repeat(32)])).code, 2);
  t.equal((await cli(['watch'])).code, 2);
});

t.test('errors: rejected arguments exit 2, failing scripts exit 3 with psql message', async (t) => {
  const cli = cliIn(await cliStateDir(t));
  const bad = await cli(['prepare:psql', '--', '-h', 'evil', '-c', 'select 1']);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /-h: connection flags are not accepted/);
  const failing = await cli(['prepare:psql', '--', '-c', 'select nope']);
  t.equal(failing.code, 3);
  t.match(failing.stderr, /job [0-9a-f]{32} failed: psql failed in step 1/);
  t.match(failing.stderr, /column "nope" does not exist/);
  t.equal(failing.stdout, '');
  t.equal((await cli(['prepare:psql'])).code, 2);
  const mysql = await cli(['prepare:mysql', '--', '-e', 'use mysql']);
  t.equal(mysql.code, 2, 'USE is refused in mysql scripts');
  t.match(mysql.stderr, /-e \(step 1\):1: USE is not allowed/);
});

t.test('plan:psql lists the tasks with cached flags and creates nothing', async (t) => {
  const cli = cliIn(await cliStateDir(t));
  await cli(['prepare:psql', '--', '-c', 'create table t(x int)']);
  const plan = await cli(['plan:psql', '--', '-c', 'create table t(x int)', '-c', 'select 1']);
  t.equal(plan.code, 0, plan.stderr);
  t.match(
    plan.stdout,
    /execute-0\s+cached\s+state [0-9a-f]{12}\nexecute-1\s+build\s+state [0-9a-f]{12}/,
  );
  const json = JSON.parse(
    (await cli(['plan:psql', '--output', 'json', '--', '-c', 'select 2'])).stdout,
  );
  t.match(json, [{ task_id: 'plan' }, { task_id: 'execute-0', cached: false }]);
  t.equal(JSON.parse((await cli(['ls', '-i', '--output', 'json'])).stdout).instances.length, 1);
});

t.test('Ctrl+C during a prepare cancels the job (no terminal to ask on)', async (t) => {
  const dir = await cliStateDir(t);
  const cli = cliIn(dir);
  await cli(['status']); // start the engine first, so the prepare below is quick to begin
  const { spawn } = await import('node:child_process');
  const child = spawn(
    process.execPath,
    [CLI_BIN, '--state-dir', dir, 'prepare:psql', '--', '-c', 'select pg_sleep(30)'],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
    if (/execute-0 \(step 1 of 1\) running/.test(stderr)) child.kill('SIGINT');
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  t.equal(code, 3);
  t.match(stderr, /cancelling job [0-9a-f]{32}/);
  t.match(stderr, /failed: job cancelled/);
  const jobs = JSON.parse((await cli(['ls', '-j', '--output', 'json'])).stdout).jobs;
  t.match(jobs, [{ status: 'failed' }]);
});

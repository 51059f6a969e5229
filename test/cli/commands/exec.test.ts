import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { splitExecArgs } from '../../../cli/commands/exec.js';
import { LEASE_SECONDS } from '../../../cli/lease.js';
import { CLI_BIN, cliIn, cliStateDir, runCli } from '../../helpers/cli.js';
import { mysqlQuery } from '../../helpers/mysql.js';
import { databaseExists, query } from '../../helpers/postgres.js';
import { tempDir } from '../../helpers/tmp.js';

const VARS = [
  'DATABASE_URL',
  'PGHOST',
  'PGPORT',
  'PGUSER',
  'PGPASSWORD',
  'PGDATABASE',
  'MYSQL_HOST',
  'MYSQL_TCP_PORT',
  'MYSQL_USER',
  'MYSQL_PWD',
  'MYSQL_DATABASE',
];

/** The command exec runs: prints the variables it was given, then exits or waits for a signal. */
const CHILD = `const vars = ${JSON.stringify(VARS)};
const seen = { ...Object.fromEntries(vars.map((v) => [v, process.env[v] ?? null])), pid: process.pid };
process.stdout.write(JSON.stringify(seen) + '\\n');
if (process.argv[2] === 'wait') { process.stdout.write('ready\\n'); setInterval(() => {}, 1000); }
else process.exit(Number(process.argv[2] ?? 0));
`;

async function childScript(t: Test): Promise<string> {
  const path = join(await tempDir(t), 'child.mjs');
  await writeFile(path, CHILD);
  return path;
}

/** The env line the child printed. */
const seenEnv = (stdout: string) => JSON.parse(stdout.split('\n')[0] as string);

/**
 * Whether an instance's database is on the server (a count of the catalog's `_i_` databases
 * would also count the warm pool's copies, made under instance names in advance).
 */
const onServer = async (database: string) => ((await databaseExists(database)) ? 1 : 0);

t.test('splitting the arguments: flags, prepare arguments, the command', async (t) => {
  const a = splitExecArgs(['--keep', '--', '-f', 'x.sql', '--', 'npm', 'test', '--', '-g'], 'psql');
  t.same(
    [a.prepareArgs, a.command],
    [
      ['-f', 'x.sql'],
      ['npm', 'test', '--', '-g'],
    ],
  );
  t.equal(a.parsed.flags.keep, true);
  const b = splitExecArgs(['--name', 'n', '-f', 'x.sql', '--', 'sh', '-c', 'true'], 'psql');
  t.same(
    [b.prepareArgs, b.command],
    [
      ['-f', 'x.sql'],
      ['sh', '-c', 'true'],
    ],
  );
  const c = splitExecArgs(['schema.sql', '--', 'pytest'], 'mysql');
  t.same([c.prepareArgs, c.command], [['schema.sql'], ['pytest']]);
  t.throws(() => splitExecArgs(['-f', 'x.sql'], 'psql'), /needs -- PSQL_ARGS -- COMMAND/);
  t.throws(() => splitExecArgs(['--', '-f', 'x.sql'], 'psql'), /needs -- PSQL_ARGS/);
  t.throws(() => splitExecArgs(['--', '-f', 'x.sql', '--'], 'psql'), /no command to run/);
  t.throws(() => splitExecArgs(['--', '--', 'true'], 'psql'), /no psql arguments/);
  t.throws(() => splitExecArgs(['--ttl', '5m', '-c', 'x', '--', 'true'], 'psql'), /--keep/);
});

t.test('exec:psql: the variables, the exit code, the instance removed after', async (t) => {
  const cli = cliIn(await cliStateDir(t));
  const child = await childScript(t);
  const prep = ['-c', 'create table t(x int); insert into t values (7)'];
  const ok = await cli(['exec:psql', '--', ...prep, '--', process.execPath, child, '0']);
  t.equal(ok.code, 0, ok.stderr);
  const env = seenEnv(ok.stdout);
  t.match(env, {
    DATABASE_URL: /^postgres:\/\/postgres@127\.0\.0\.1:5432\/sqlrs_[0-9a-f]+_i_[0-9a-f]{32}$/,
    PGHOST: '127.0.0.1',
    PGPORT: '5432',
    PGUSER: 'postgres',
    PGPASSWORD: null,
    MYSQL_HOST: null,
  });
  t.equal(env.PGDATABASE, new URL(env.DATABASE_URL).pathname.slice(1));
  t.equal(await onServer(env.PGDATABASE), 0, 'removed after a success');

  const failed = await cli(['exec:psql', ...prep, '--', process.execPath, child, '1']);
  t.equal(failed.code, 1, "the command's exit code");
  t.equal(await onServer(seenEnv(failed.stdout).PGDATABASE), 0, 'removed after a failure');

  // A tool that reads the PG* variables itself reaches the prepared database.
  const psql = await cli(['exec:psql', ...prep, '--', 'sh', '-c', 'psql -Atc "select x from t"']);
  t.equal(psql.stdout, '7\n', psql.stderr);

  const before = Date.now();
  const kept = await cli([
    'exec:psql',
    '--keep',
    '--ttl',
    '30m',
    ...prep,
    '--',
    process.execPath,
    child,
  ]);
  t.equal(kept.code, 0, kept.stderr);
  t.match(kept.stderr, /kept instance [0-9a-f]{32}/);
  const keptDb = seenEnv(kept.stdout).PGDATABASE;
  t.equal(await onServer(keptDb), 1, '--keep keeps it');
  t.same(await query(seenEnv(kept.stdout).DATABASE_URL, 'select x from t'), [{ x: 7 }]);

  const missing = await cli(['exec:psql', ...prep, '--', '/nonexistent/runner', 'x']);
  t.equal(missing.code, 127, 'a command that is not there: 127, as a shell says');
  t.match(missing.stderr, 'sqlrs: cannot run /nonexistent/runner: no such file or directory');
  t.equal(await onServer(keptDb), 1, 'the kept instance is still there');
  const listed = JSON.parse((await cli(['ls', '-i', '--output', 'json'])).stdout).instances;
  t.equal(listed.length, 1, 'the engine lists only the kept one');
  t.ok(Date.parse(listed[0].expires_at) >= before + 30 * 60_000, '--ttl counts from the end');
});

t.test(
  "exec:psql: the caller's PGSERVICE and PGHOSTADDR do not send the command elsewhere",
  async (t) => {
    const cli = cliIn(await cliStateDir(t));
    const dir = await tempDir(t);
    // A service that names another database on the same server, as a shell may have set for work.
    await writeFile(join(dir, 'pg_service.conf'), '[other]\nhost=127.0.0.1\ndbname=postgres\n');
    const where = 'psql -XAtc "select current_database()"';
    const serviced = await cli(['exec:psql', '-c', 'select 1', '--', 'sh', '-c', where], {
      env: { PGSERVICEFILE: join(dir, 'pg_service.conf'), PGSERVICE: 'other' },
    });
    t.equal(serviced.code, 0, serviced.stderr);
    t.match(serviced.stdout, /^sqlrs_[0-9a-f]+_i_[0-9a-f]{32}\n$/, 'the instance, not the service');
    const addressed = await cli(['exec:psql', '-c', 'select 1', '--', 'sh', '-c', where], {
      env: { PGHOSTADDR: '127.0.0.2' },
    });
    t.equal(addressed.code, 0, addressed.stderr);
    t.match(addressed.stdout, /^sqlrs_[0-9a-f]+_i_[0-9a-f]{32}\n$/, 'the instance, not PGHOSTADDR');
  },
);

/** exec:psql running a command that waits; `signal` is sent to sqlrs alone once it runs. */
async function signalled(t: Test, signal: NodeJS.Signals, checkLease = false) {
  const dir = await cliStateDir(t);
  const child = await childScript(t);
  const exec = spawn(
    process.execPath,
    [
      CLI_BIN,
      '--state-dir',
      dir,
      'exec:psql',
      '-c',
      'select 1',
      '--',
      process.execPath,
      child,
      'wait',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  exec.stderr.on('data', (d) => {
    stderr += d;
  });
  // 'exit', not 'close': a command that outlives sqlrs would hold the pipes open.
  const exited = new Promise<number | null>((r) => exec.on('exit', (code) => r(code)));
  await new Promise<void>((resolve) => {
    exec.stdout.on('data', (d) => {
      stdout += d;
      if (stdout.includes('ready\n')) resolve();
    });
    exec.on('exit', () => resolve());
  });
  t.teardown(() => {
    try {
      process.kill(seenEnv(stdout).pid, 'SIGKILL');
    } catch {
      // ended with sqlrs, as it should
    }
  });
  if (checkLease) {
    // While the command runs, the instance is a short lease (renewed by sqlrs: test/cli/lease.test.ts).
    const running = JSON.parse(
      (await runCli(['--state-dir', dir, 'ls', '-i', '--output', 'json'])).stdout,
    );
    const lease =
      Date.parse(running.instances[0].expires_at) - Date.parse(running.instances[0].created_at);
    t.ok(lease > 0 && lease <= LEASE_SECONDS * 1000, `a lease of at most ${LEASE_SECONDS}s`);
  }
  // Only the sqlrs process is signalled, as `kill` would: the command gets it from sqlrs.
  process.kill(exec.pid as number, signal);
  return { code: await exited, stderr, database: seenEnv(stdout).PGDATABASE as string };
}

t.test('Ctrl+C: forwarded to the command, exit 130, the instance removed', async (t) => {
  const { code, stderr, database } = await signalled(t, 'SIGINT', true);
  t.equal(code, 130, stderr);
  t.equal(await onServer(database), 0);
});

t.test('SIGHUP (a closed terminal): forwarded, exit 129, the instance removed', async (t) => {
  const { code, stderr, database } = await signalled(t, 'SIGHUP');
  t.equal(code, 129, stderr);
  t.equal(await onServer(database), 0);
});

t.test('exec:mysql: the MySQL client variables reach the instance', async (t) => {
  const cli = cliIn(await cliStateDir(t));
  const child = await childScript(t);
  const prep = ['-e', 'create table t(x int); insert into t values (9)'];
  const res = await cli(['exec:mysql', '--keep', ...prep, '--', process.execPath, child]);
  t.equal(res.code, 0, res.stderr);
  const env = seenEnv(res.stdout);
  t.match(env, {
    DATABASE_URL: /^mysql:\/\//,
    MYSQL_HOST: '127.0.0.1',
    MYSQL_TCP_PORT: '3306',
    MYSQL_USER: 'root',
    MYSQL_DATABASE: /^sqlrs_[0-9a-f]+_i_[0-9a-f]{32}$/,
    PGHOST: null,
  });
  t.same(await mysqlQuery('select x from t', [], env.MYSQL_DATABASE), [{ x: 9 }]);
  const gone = await cli(['exec:mysql', ...prep, '--', process.execPath, child, '3']);
  t.equal(gone.code, 3);
  const db = seenEnv(gone.stdout).MYSQL_DATABASE;
  t.same(await mysqlQuery('show databases like ?', [db]), [], 'removed');
});

import t from 'tap';
import { cliIn, cliStateDir } from '../../helpers/cli.js';

t.test('run:psql runs psql on the instance and passes its exit code through', async (t) => {
  const cli = cliIn(await cliStateDir(t));
  await cli([
    'prepare:psql',
    '--name',
    'devdb',
    '--',
    '-c',
    'create table t(x int); insert into t values (7)',
  ]);
  const ok = await cli(['run:psql', '--instance', 'devdb', '--', '-At', '-c', 'select x from t']);
  t.equal(ok.code, 0, ok.stderr);
  t.equal(ok.stdout, '7\n');
  const only = await cli(['run:psql', '-At', '-c', 'select 1']);
  t.equal(only.stdout, '1\n', 'the only instance is used when none is named');
  const fail = await cli([
    'run:psql',
    '--instance',
    'devdb',
    '--',
    '-v',
    'ON_ERROR_STOP=1',
    '-c',
    'select 1/0',
  ]);
  t.equal(fail.code, 1, "psql's exit code");
  t.match(fail.stderr, /division by zero/);
  const stdin = await cli(['run:psql', '--instance', 'devdb', '--', '-At'], {
    input: 'select 40 + 2;\n',
  });
  t.equal(stdin.stdout, '42\n', 'stdin is inherited');
  const conn = await cli(['run:psql', '--instance', 'devdb', '--', '-h', 'elsewhere']);
  t.equal(conn.code, 2);
  t.match(conn.stderr, /-h: connection flags are not accepted/);
  t.equal((await cli(['run:psql', '--instance', 'nobody'])).code, 2);
  await cli(['prepare:psql', '--', '-c', 'select 2']);
  const which = await cli(['run:psql', '-c', 'select 1']);
  t.equal(which.code, 2);
  t.match(which.stderr, /give --instance ID\|NAME \(2 PostgreSQL instances exist\)/);
});

t.test('a client that cannot be run says which and what to do', async (t) => {
  const cli = cliIn(await cliStateDir(t));
  await cli(['prepare:psql', '--name', 'noclient', '--', '-c', 'select 1']);
  const res = await cli(['run:psql', '--instance', 'noclient'], {
    env: { SQLRS_PSQL: '/nonexistent/psql' },
  });
  t.equal(res.code, 3);
  // Was "spawn /nonexistent/psql ENOENT".
  t.match(res.stderr, 'sqlrs: cannot run /nonexistent/psql: no such file or directory');
  t.match(res.stderr, 'install the PostgreSQL client (psql), or set SQLRS_PSQL to its path');
});

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { cliIn, cliStateDir } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/tmp.js';

t.test('prepare:mysql, plan:mysql and run:mysql from the shell', async (t) => {
  const cli = cliIn(await cliStateDir(t));
  const work = await tempDir(t);
  await writeFile(join(work, 'schema.sql'), 'create table t(x int);\n');
  await writeFile(join(work, 'seed.sql'), 'insert into t values (5);\n');
  const res = await cli(['prepare:mysql', '--name', 'my', '--', 'schema.sql', 'seed.sql'], {
    cwd: work,
  });
  t.equal(res.code, 0, res.stderr);
  t.match(res.stdout, /^DSN=mysql:\/\/root@127\.0\.0\.1:3306\/sqlrs_[0-9a-f]{8}_i_[0-9a-f]{32}\n$/);
  const plan = await cli(['plan:mysql', '--', 'schema.sql', '-e', 'select 1'], { cwd: work });
  t.match(plan.stdout, /execute-0\s+cached\s+state [0-9a-f]{12}\nexecute-1\s+build/);
  const run = await cli(['run:mysql', '--instance', 'my', '--', '-N', '-e', 'select x from t']);
  t.equal(run.code, 0, run.stderr);
  t.equal(run.stdout, '5\n');
  const fail = await cli(['run:mysql', '--instance', 'my', '--', '-e', 'select nope']);
  t.equal(fail.code, 1, "the client's exit code");
  t.equal((await cli(['run:mysql', '--instance', 'my', '--', '-h', 'x'])).code, 2);
  // The wrong client for the instance is named, not left to fail on the other protocol.
  const wrong = await cli(['run:psql', '--instance', 'my', '--', '-c', 'select 1']);
  t.equal(wrong.code, 2);
  t.match(wrong.stderr, /instance [0-9a-f]{12} is a MySQL database: use run:mysql/);
  await cli(['prepare:psql', '--name', 'pg', '--', '-c', 'select 1']);
  const wrongPg = await cli(['run:mysql', '--instance', 'pg', '--', '-e', 'select 1']);
  t.equal(wrongPg.code, 2);
  t.match(wrongPg.stderr, /instance [0-9a-f]{12} is a PostgreSQL database: use run:psql/);
  const onlyMysql = await cli(['run:mysql', '--', '-N', '-e', 'select x from t']);
  t.equal(onlyMysql.stdout, '5\n', 'the only MySQL instance is used, beside a PostgreSQL one');
  const stdin = await cli(['prepare:mysql', '--output', 'json', '-'], {
    cwd: work,
    input: 'create table s(y int);',
  });
  t.match(JSON.parse(stdin.stdout), { dsn: /^mysql:/ });
  const ls = JSON.parse((await cli(['ls', '-s', '--kind', 'mysql', '--output', 'json'])).stdout);
  t.equal(ls.states.length, 3);
});

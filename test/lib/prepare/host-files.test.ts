import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { testEngine } from '../../helpers/engine.js';
import { mysqlSchemas } from '../../helpers/mysql.js';
import { catalogDatabases } from '../../helpers/postgres.js';
import { prepare } from '../../helpers/prepare.js';
import { tempDir } from '../../helpers/tmp.js';

// An engine others reach (docs/prepare.md, host files): steps come only from the request.
const REMOTE = { host_files: false, psql_restrict: true };

const post = (e: Awaited<ReturnType<typeof testEngine>>, body: Record<string, unknown>) =>
  e.call('POST', '/v1/prepare-jobs', { body: JSON.stringify({ prepare_kind: 'psql', ...body }) });

t.test('host files off: every way a step names a host file is a 400 naming it', async (t) => {
  const e = await testEngine(t, { config: REMOTE });
  const dir = await tempDir(t);
  await writeFile(join(dir, 'inc.sql'), 'select 1;\n');
  const pid = (await e.get('/v1/health')).json().pid as number;
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['-f /etc/shadow', { psql_args: ['-f', '/etc/shadow'] }, /^-f \/etc\/shadow: .*host_files/],
    [
      '-f /proc/<pid>/environ',
      { psql_args: ['-f', `/proc/${pid}/environ`] },
      /^-f \/proc\/\d+\/environ: .*host_files/,
    ],
    [
      '\\copy from a file, sent as stdin',
      {
        psql_args: ['-f', '-'],
        stdin: "create table t(a text);\n\\copy t from '/etc/shadow'\n",
      },
      /^stdin:2: \\copy: .*host_files/,
    ],
    [
      '\\i in -c',
      { psql_args: ['-c', `\\i ${join(dir, 'inc.sql')}`] },
      /^-c \(step 1\):1: \\i: .*host_files/,
    ],
    [
      '\\ir in stdin',
      { psql_args: ['-f', '-'], stdin: 'select 1;\n\\ir inc.sql\n' },
      /^stdin:2: \\ir: .*host_files/,
    ],
    [
      'mysql file step',
      { prepare_kind: 'mysql', mysql_args: ['/etc/shadow'] },
      /^\/etc\/shadow: .*host_files/,
    ],
    [
      'mysql source /etc/shadow',
      { prepare_kind: 'mysql', mysql_args: ['-'], stdin: 'select 1;\nsource /etc/shadow\n' },
      /^stdin:2: source .*host_files/,
    ],
    [
      'mysql \\. /proc/<pid>/environ',
      { prepare_kind: 'mysql', mysql_args: ['-e', `\\. /proc/${pid}/environ`] },
      /^-e \(step 1\):1: source .*host_files/,
    ],
  ];
  for (const [label, body, message] of cases) {
    const res = await post(e, body);
    t.equal(res.status, 400, `${label}: ${res.text}`);
    t.equal(res.json().code, 'invalid_argument', label);
    t.match(res.json().message, message, label);
    t.notMatch(res.text, /root:|PATH=/, `${label}: nothing of the file`);
  }
  t.same(await catalogDatabases(e.store.catalogId), [], 'no database made');
  t.same(
    (await mysqlSchemas(e.store.catalogId)).filter((s) => s.includes('_b_')),
    [],
    'no schema made',
  );
});

t.test('host files off: -c, stdin and -e steps still build', async (t) => {
  const e = await testEngine(t, { config: REMOTE });
  const psql = await prepare(e, {
    psql_args: ['-c', 'create table a(x int)', '-f', '-'],
    stdin: 'create table b(x int);\ncopy b from stdin;\n1\n2\n\\.\n',
  });
  t.equal(psql.job.status, 'succeeded', JSON.stringify(psql.job.error));
  const my = await prepare(e, {
    prepare_kind: 'mysql',
    mysql_args: ['-e', 'create table a(x int)', '-'],
    stdin: 'insert into a values (1);\n',
  });
  t.equal(my.job.status, 'succeeded', JSON.stringify(my.job.error));
});

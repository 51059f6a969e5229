import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { testEngine } from '../helpers/engine.js';
import { catalogDatabases } from '../helpers/postgres.js';
import { tempDir } from '../helpers/tmp.js';

/** Each rejection in docs/prepare.md is a 400 invalid_argument naming argument, file and line. */
t.test('argument and script rejections answer 400 and create nothing', async (t) => {
  const e = await testEngine(t);
  const dir = await tempDir(t);
  const f = (name: string, content: string) =>
    writeFile(join(dir, name), content).then(() => join(dir, name));
  await f('ok.sql', 'select 1;\n');
  await mkdir(join(dir, 'sub'));
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['-h', { psql_args: ['-h', 'evil', '-c', 'select 1'] }, /-h: connection flags/],
    ['attached -hX', { psql_args: ['-hevil', '-c', 'select 1'] }, /-hevil: connection flags/],
    ['--host=', { psql_args: ['--host=evil', '-c', 'select 1'] }, /--host=evil: connection flags/],
    ['--port', { psql_args: ['--port', '1', '-c', 'select 1'] }, /--port: connection flags/],
    ['-U', { psql_args: ['-U', 'x', '-c', 'select 1'] }, /-U: connection/],
    ['-d', { psql_args: ['-d', 'x', '-c', 'select 1'] }, /-d: connection/],
    ['--dbname', { psql_args: ['--dbname=x', '-c', 'select 1'] }, /connection/],
    ['--database', { psql_args: ['--database', 'x', '-c', 'select 1'] }, /connection/],
    ['--username', { psql_args: ['--username=x', '-c', 'select 1'] }, /connection/],
    ['positional', { psql_args: ['-c', 'select 1', 'mydb'] }, /mydb: positional/],
    ['--', { psql_args: ['-c', 'select 1', '--', '-x'] }, /--: arguments after --/],
    ['relative -f', { psql_args: ['-f', 'ok.sql'] }, /-f ok.sql: file paths must be absolute/],
    ['missing -f', { psql_args: ['-f', join(dir, 'nope.sql')] }, /nope\.sql: file not found/],
    [
      'directory -f',
      { psql_args: ['-f', join(dir, 'sub')] },
      /sub: not a regular file \(a directory\)/,
    ],
    [
      'device -f (read forever, it ran the engine out of memory)',
      { psql_args: ['-f', '/dev/zero'] },
      /-f \/dev\/zero: not a regular file \(a character device\)/,
    ],
    [
      'ON_ERROR_STOP=0',
      { psql_args: ['-v', 'ON_ERROR_STOP=0', '-c', 'select 1'] },
      /ON_ERROR_STOP must be 1/,
    ],
    [
      '--set ON_ERROR_STOP',
      { psql_args: ['--set=ON_ERROR_STOP=off', '-c', 'x'] },
      /ON_ERROR_STOP must be 1/,
    ],
    ['-f - without stdin', { psql_args: ['-f', '-'] }, /-f - needs the request field stdin/],
    ['stdin without -f -', { psql_args: ['-c', 'select 1'], stdin: 'x' }, /no step reads it/],
    ['two -f -', { psql_args: ['-f', '-', '-f', '-'], stdin: 'x' }, /one step only/],
    ['missing value', { psql_args: ['-c'] }, /-c: flag is missing its value/],
    ['-o', { psql_args: ['-o', '/tmp/x', '-c', 'select 1'] }, /-o: .*it writes files/],
    [
      '--log-file',
      { psql_args: ['--log-file=/tmp/x', '-c', 'select 1'] },
      /--log-file=\/tmp\/x: psql reads it as -L \(--log-file\), not accepted: it writes files/,
    ],
    ['no step', { psql_args: ['-q'] }, /no step/],
    ['trailing flag', { psql_args: ['-c', 'select 1', '-q'] }, /-q: flags after the last step/],
    ['unknown short flag', { psql_args: ['-K', '-c', 'select 1'] }, /unknown psql flag -K/],
    ['no psql_args', {}, /psql_args/],
    [
      'a name shaped like an id',
      { psql_args: ['-c', 'select 1'], name: '0123456789abcdef0123456789abcdef' },
      /name must not look like an instance id/,
    ],
    [
      'a name a URL drops (run:psql --instance .. found nothing)',
      { psql_args: ['-c', 'select 1'], name: '..' },
      /name cannot be "\.\.": URLs drop it/,
    ],
    ['NUL in -c', { psql_args: ['-c', 'select 1\0'] }, /psql_args\[1\] contains a NUL byte/],
    ['NUL in a -f path', { psql_args: ['-f', `${dir}/a\0.sql`] }, /psql_args\[1\] contains a NUL/],
    [
      'NUL in mysql -e',
      { prepare_kind: 'mysql', mysql_args: ['-e', 'select 1\0'] },
      /mysql_args\[1\] contains a NUL byte/,
    ],
  ];
  const script = async (name: string, content: string) => ({
    psql_args: ['-f', await f(name, content)],
  });
  const scripts: Array<[string, Record<string, unknown>, RegExp]> = [
    ['\\c', await script('c.sql', 'select 1;\n\\c other\n'), /c\.sql:2: \\c: not allowed/],
    ['\\connect', await script('conn.sql', '\\connect x'), /conn\.sql:1: \\connect/],
    ['\\!', await script('bang.sql', 'select 1;\nselect 2;\n\\! rm -rf /\n'), /bang\.sql:3: \\!/],
    ['\\o', await script('o.sql', '\\o /tmp/out'), /o\.sql:1: \\o: not allowed/],
    ['\\w', await script('w.sql', '\\w /tmp/out'), /\\w: not allowed/],
    [
      '\\copy to',
      await script('ct.sql', "\\copy t to '/tmp/x'"),
      /ct\.sql:1: \\copy: \\copy \.\.\. to/,
    ],
    [
      '\\copy program',
      await script('cp.sql', "\\copy t from program 'ls'"),
      /\\copy \.\.\. program/,
    ],
    [
      '\\g file',
      await script('g.sql', 'select 1 \\g /tmp/out'),
      /g\.sql:1: \\g: writing to a file/,
    ],
    ['\\g pipe', await script('gp.sql', 'select 1 \\g |cat'), /\\g: writing to a file or pipe/],
    ['\\lo_export', await script('lo.sql', '\\lo_export 1 /tmp/x'), /\\lo_export/],
    ['\\lo_import', await script('li.sql', '\\lo_import /etc/passwd'), /\\lo_import/],
    ['backquote', await script('bq.sql', '\\set x `id`'), /bq\.sql:1: \\set: backquotes/],
    [
      'missing include',
      await script('mi.sql', 'select 1;\n\\i nowhere.sql\n'),
      /mi\.sql:2: \\i: .*nowhere\.sql: file not found/,
    ],
    ['include cycle', await script('cy.sql', '\\ir cy.sql\n'), /cy\.sql:1: \\ir: include cycle/],
    ['-c meta', { psql_args: ['-c', '\\! ls'] }, /-c \(step 1\):1: \\!/],
    ['stdin meta', { psql_args: ['-f', '-'], stdin: 'select 1;\n\\o x\n' }, /stdin:2: \\o/],
    [
      'variable include',
      await script('vi.sql', '\\i :dir/x.sql'),
      /psql variables cannot be hashed/,
    ],
  ];
  for (const [label, body, message] of [...cases, ...scripts]) {
    const res = await e.call('POST', '/v1/prepare-jobs', {
      body: JSON.stringify({ prepare_kind: 'psql', ...body }),
    });
    t.equal(res.status, 400, `${label}: ${res.text}`);
    t.match(res.json(), { code: 'invalid_argument', message }, label);
  }
  t.same((await e.get('/v1/prepare-jobs')).json(), [], 'no job was created');
  t.same(await catalogDatabases(e.store.catalogId), [], 'no database was created');
});

t.test('backslashes in literals, dollar quotes and comments are not meta-commands', async (t) => {
  const e = await testEngine(t);
  const sql = [
    'create table t(s text);',
    "insert into t values ('\\c not a command');",
    "insert into t values (E'\\\\! still not');",
    "do $body$ begin perform '\\o nope'; end $body$;",
    '-- \\! a comment',
    '/* \\connect /* nested */ x */ select 1;',
  ].join('\n');
  const res = await e.call('POST', '/v1/prepare-jobs', {
    body: JSON.stringify({ prepare_kind: 'psql', psql_args: ['-f', '-'], stdin: sql }),
  });
  t.equal(res.status, 202, res.text);
});

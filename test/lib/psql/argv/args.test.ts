import t from 'tap';
import { normalizePsqlArgs } from '../../../../lib/psql/argv/args.js';

t.test('enforced flags, step splitting and flags that apply to later steps', async (t) => {
  const n = normalizePsqlArgs(
    ['-q', '-f', '/a/one.sql', '-v', 'x=1', '-c', 'select :x', '-f', '-'],
    'select 3',
  );
  t.same(n.args, [
    '-X',
    '-v',
    'ON_ERROR_STOP=1',
    '-q',
    '-f',
    '/a/one.sql',
    '-v',
    'x=1',
    '-c',
    'select :x',
    '-f',
    '-',
  ]);
  t.equal(n.firstFile, '/a/one.sql');
  t.same(
    n.steps.map((s) => [s.source.kind, s.flags]),
    [
      ['file', ['-X', '-v', 'ON_ERROR_STOP=1', '-q']],
      ['command', ['-X', '-v', 'ON_ERROR_STOP=1', '-q', '-v', 'x=1']],
      ['stdin', ['-X', '-v', 'ON_ERROR_STOP=1', '-q', '-v', 'x=1']],
    ],
  );
});

t.test('user -X and ON_ERROR_STOP=1 are not doubled', async (t) => {
  const n = normalizePsqlArgs(
    ['-X', '--set=ON_ERROR_STOP=1', '--no-psqlrc', '-c', 'select 1'],
    undefined,
  );
  t.same(n.args, ['-X', '-v', 'ON_ERROR_STOP=1', '-c', 'select 1']);
});

t.test('long forms, attached values and clusters are canonical', async (t) => {
  const n = normalizePsqlArgs(
    ['--quiet', '-qt', '--command=select 1', '-cselect 2', '--file', '/x.sql'],
    undefined,
  );
  t.same(n.args.slice(3), ['-q', '-q', '-t', '-c', 'select 1', '-c', 'select 2', '-f', '/x.sql']);
  const prefixes = normalizePsqlArgs(
    ['--qu', '--se=x=1', '--comm=select 3', '--fil', '/y.sql'],
    undefined,
  );
  t.same(prefixes.args.slice(3), ['-q', '-v', 'x=1', '-c', 'select 3', '-f', '/y.sql']);
  t.same(normalizePsqlArgs(['-Atc', 'select 1'], undefined).args.slice(3), [
    '-A',
    '-t',
    '-c',
    'select 1',
  ]);
});

t.test('rejections name the argument', async (t) => {
  const bad: Array<[string[], RegExp, string?]> = [
    [['-h', 'x', '-c', 's'], /-h: connection flags/],
    [['-p5432', '-c', 's'], /-p5432: connection flags/],
    [['--username', 'u', '-c', 's'], /--username: connection/],
    [['-c', 's', 'db'], /db: positional/],
    [['--', '-c', 's'], /--: arguments after --/],
    [['-f', 'rel.sql'], /-f rel\.sql: file paths must be absolute/],
    [['-v', 'ON_ERROR_STOP=0', '-c', 's'], /ON_ERROR_STOP must be 1/],
    [['-v', 'ON_ERROR_STOP', '-c', 's'], /ON_ERROR_STOP must be 1/],
    [['-v', 'x=\\! ls', '-c', 's'], /-v x=\\! ls: a value with a backslash .* :x is used/],
    [['--set=x=a\\b', '-c', 's'], /a value with a backslash/],
    [['-v', "q='", '-c', 's'], /-v q=': a value that leaves a quote.*open.*:q is used/],
    [['-v', 'd=$$', '-c', 's'], /leaves a quote, dollar quote or comment open/],
    [['-v', 'c=/*', '-c', 's'], /comment open/],
    [['-v', 'n=:LAST_ERROR_MESSAGE', '-c', 's'], /holds :name/],
    [['-f', '-'], /needs the request field stdin/],
    [['-c', 's'], /no step reads it/, 'stdin'],
    [['-f', '-', '-f', '-'], /one step only/, 'x'],
    [['-f'], /-f: flag is missing its value/],
    [['--file'], /--file: flag is missing its value/],
    [['-o', 'x', '-c', 's'], /-o: psql reads it as -o \(--output\), not accepted: it writes files/],
    [['-L', 'x', '-c', 's'], /-L: psql reads it as -L \(--log-file\), not accepted/],
    [['--output=x', '-c', 's'], /--output=x: psql reads it as -o \(--output\), not accepted/],
    [['--outp=x', '-c', 's'], /--outp=x: psql reads it as -o \(--output\).*writes files/],
    [['--csv', '-c', 's'], /--csv: psql reads it as --csv, not accepted/],
    [
      ['--some-future-flag=1', '-c', 's'],
      /--some-future-flag=1: psql does not know --some-future-flag/,
    ],
    [
      ['--s', '-c', 's'],
      /--s: psql reads --s as ambiguous \(--single-transaction, --single-step, --single-line, --set\)/,
    ],
    [
      ['--fil=rel.sql'],
      /--fil=rel\.sql \(psql reads it as -f rel\.sql\): file paths must be absolute/,
    ],
    [['-qsc', 's'], /-qsc: psql reads it as -s \(--single-step\)/],
    [['--dbn=postgres', '-c', 's'], /--dbn=postgres: connection flags.*-d \(--dbname\)/],
    [
      ['--se=x=\\! id', '-c', 's'],
      /--se=x=\\! id \(psql reads it as -v x=\\! id\): a value with a backslash/,
    ],
    [['-c', 'x'.repeat(131072)], /-c: the SQL is 131072 bytes .* send the SQL as stdin with -f -/],
    [['-q'], /no step/],
    [[], /no step/],
    [['-c', 's', '-q'], /-q: flags after the last step/],
    [['-Y', '-c', 's'], /unknown psql flag -Y/],
    [['--quiet=1', '-c', 's'], /--quiet=1: flag takes no value/],
    [['-'], /-: positional/],
  ];
  for (const [args, message, stdin] of bad) {
    t.throws(
      () => normalizePsqlArgs(args, stdin),
      { code: 'invalid_argument', message },
      args.join(' '),
    );
  }
});

t.test('-v values that psql lexes as they are are accepted', async (t) => {
  for (const value of ["'a','b'", '1,2,3', 'http://x', 'a -- b', '"T"', '12::int'])
    t.doesNotThrow(() => normalizePsqlArgs(['-v', `v=${value}`, '-c', 's'], undefined), value);
});

t.test('a -c that fits one argument passes; a step argv over the bound does not', async (t) => {
  t.doesNotThrow(() => normalizePsqlArgs(['-c', 'x'.repeat(131071)], undefined));
  t.doesNotThrow(() => normalizePsqlArgs(['-c', 'é'.repeat(65535)], undefined), '131070 bytes');
  t.throws(() => normalizePsqlArgs(['-c', 'é'.repeat(65536)], undefined), {
    message: /-c: the SQL is 131072 bytes/,
  });
  const v = (n: number) => ['-v', `v${n}=${'x'.repeat(120000)}`];
  const many = [...[1, 2, 3, 4, 5, 6, 7, 8, 9].flatMap(v), '-c', 'select 1'];
  t.throws(() => normalizePsqlArgs(many, undefined), {
    code: 'invalid_argument',
    message: /psql_args: step 1 would start psql with \d+ bytes of arguments/,
  });
});

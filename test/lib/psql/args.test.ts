import t from 'tap';
import { normalizePsqlArgs } from '../../../lib/psql/args.js';

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
  const passthrough = normalizePsqlArgs(['--csv', '--some-future-flag=1', '-c', 'x'], undefined);
  t.same(passthrough.args.slice(3, 5), ['--csv', '--some-future-flag=1']);
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
    [['-o', 'x', '-c', 's'], /-o: flags that write files/],
    [['-L', 'x', '-c', 's'], /-L: flags that write files/],
    [['--output=x', '-c', 's'], /-o: flags that write files/],
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

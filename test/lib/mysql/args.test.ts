import t from 'tap';
import { normalizeMysqlArgs } from '../../../lib/mysql/args.js';

t.test('steps: -e, --execute=, files, stdin', async (t) => {
  const n = normalizeMysqlArgs(
    ['/a/s.sql', '-e', 'select 1', '--execute=select 2', '-eselect 3', '-'],
    'x',
  );
  t.same(
    n.steps.map((s) => s.source.kind),
    ['file', 'execute', 'execute', 'execute', 'stdin'],
  );
  t.same(n.args, ['/a/s.sql', '-e', 'select 1', '-e', 'select 2', '-e', 'select 3', '-']);
});

t.test('rejections name the argument', async (t) => {
  const bad: Array<[string[], RegExp, string?]> = [
    [['-h', 'x'], /-h: connection flags/],
    [['--host=x', '-e', 's'], /--host=x: connection/],
    [['-u', 'root'], /-u: connection/],
    [['-P3306'], /connection/],
    [['--password=x'], /connection/],
    [['-D', 'db'], /connection/],
    [['-f', '-e', 's'], /-f: --force is not accepted/],
    [['--force'], /--force is not accepted/],
    [['rel.sql'], /rel\.sql: file paths must be absolute/],
    [['--batch', '-e', 's'], /only -e SQL, \.sql files and - are accepted/],
    [['-e'], /-e: flag is missing its value/],
    [[], /no step/],
    [['-'], /needs the request field stdin/],
    [['-e', 's'], /no step reads it/, 'x'],
    [['-', '-'], /one step only/, 'x'],
    [['--', '-e', 's'], /--: arguments after --/],
  ];
  for (const [args, message, stdin] of bad) {
    t.throws(
      () => normalizeMysqlArgs(args, stdin),
      { code: 'invalid_argument', message },
      args.join(' '),
    );
  }
});

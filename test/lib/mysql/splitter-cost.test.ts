import t from 'tap';
import { splitStatements } from '../../../lib/mysql/splitter.js';

/**
 * Big scripts of every shape split in time linear in their size (docs/prepare.md, "Limits").
 * No clock here: a split that reads the rest of the line per statement or backtracks over a
 * long line takes many minutes on these, past tap's timeout for the file.
 */

const MILLION = 1_000_000;
const statements = (text: string) => splitStatements(text).filter((p) => p.kind === 'statement');

t.test('1M `-- ` comment lines and 1M statements on one line', async (t) => {
  t.equal(statements(`${'-- a comment line\n'.repeat(MILLION)}select 1;\n`).length, 1);
  t.equal(statements(`${'select 1;'.repeat(MILLION)}\n`).length, MILLION);
  t.equal(statements(`${'/* c */ '.repeat(MILLION)}select 1;\n`).length, 1);
});

t.test('a 50 MB literal and a long blank line', async (t) => {
  t.equal(statements(`select '${'x'.repeat(50 * 2 ** 20)}';\n`).length, 1);
  t.equal(statements(`${' '.repeat(MILLION)}select 1;\n`).length, 1);
});

t.test('source lines: a long one, and how the path ends', async (t) => {
  const long = splitStatements(`source a${' '.repeat(100_000)}b\n`);
  t.same(long[0], { kind: 'source', path: `a${' '.repeat(100_000)}b`, line: 1 });
  const paths = (text: string) =>
    splitStatements(text).map((p) => (p.kind === 'source' ? p.path : p.kind));
  t.same(paths('source a.sql ;  \n'), ['a.sql']);
  t.same(paths("source 'b c.sql';\n"), ['b c.sql']);
  t.same(paths('\\. d.sql\r\n'), ['d.sql']);
  t.same(paths('source ;\n'), [';']);
});

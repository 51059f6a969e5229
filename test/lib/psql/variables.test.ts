import t from 'tap';
import { scanMetaCommands } from '../../../lib/psql/scanner.js';
import { lexesAsItself, VariableTaint } from '../../../lib/psql/variables.js';

/** The taint after these meta-command lines, each at `f:<line>`. */
function after(...lines: string[]): VariableTaint {
  const taint = new VariableTaint();
  for (const cmd of scanMetaCommands(lines.join('\n'))) taint.seen(cmd, `f:${cmd.line}`);
  return taint;
}

t.test('the server last error message is never safe unquoted', async (t) => {
  t.match(after().reason('LAST_ERROR_MESSAGE'), /last error message/);
  t.equal(after().reason('DBNAME'), undefined, "psql's own values hold no backslash");
  t.equal(after().reason('never_set'), undefined, 'psql leaves an unset :name as it is');
});

t.test('\\set: a backslash, or a value taken from a tainted variable', async (t) => {
  const taint = after(
    "\\set plain 'abc' 42",
    "\\set slash 'a\\\\b'",
    "\\set octal '\\134! ls'",
    '\\set copied :LAST_ERROR_MESSAGE',
    "\\set quoted :'LAST_ERROR_MESSAGE'",
  );
  t.equal(taint.reason('plain'), undefined);
  t.equal(taint.reason('slash'), '\\set at f:2 with a backslash');
  t.equal(taint.reason('octal'), '\\set at f:3 with a backslash');
  t.equal(taint.reason('copied'), '\\set at f:4 from :LAST_ERROR_MESSAGE');
  t.equal(taint.reason('quoted'), '\\set at f:5 from :LAST_ERROR_MESSAGE', 'kept on the safe side');
  const reset = after("\\set x 'a\\\\b'", '\\set x clean');
  t.equal(reset.reason('x'), undefined, 'a later \\set without one clears it');
  t.ok(reset.everTainted('x'), 'but it held one in between');
  t.ok(reset.everTainted('LAST_ERROR_MESSAGE'));
  t.notOk(reset.everTainted('plain'));
  t.ok(after('select 1 \\gset p_').everTainted('p_cmd'));
});

t.test('\\gset: every name under its prefix may come from the server', async (t) => {
  const prefixed = after('select 1 \\gset p_');
  t.equal(prefixed.reason('p_cmd'), 'set from the server by \\gset at f:1');
  t.equal(prefixed.reason('other'), undefined);
  const bare = after('\\set x 1', 'select 1 \\gset');
  t.equal(bare.reason('x'), 'set from the server by \\gset at f:2', 'a column may be named x');
});

t.test('\\set: a value psql would lex otherwise than the scan, unquoted', async (t) => {
  const taint = after(
    "\\set q ''''",
    "\\set d '$$'",
    "\\set c '/*'",
    "\\set ok 'hello'",
    "\\set list '''a'',''b'''",
  );
  t.equal(taint.reason('q'), '\\set at f:1 with a value that opens a literal or comment');
  t.ok(taint.reason('d'));
  t.ok(taint.reason('c'));
  t.equal(taint.reason('ok'), undefined);
  t.equal(taint.reason('list'), undefined, "'a','b' closes what it opens");
});

t.test('lexesAsItself: nothing to find in it, nothing left open', async (t) => {
  for (const v of ["'a','b'", '1', 'x -- y', '"T"', '$$ a $$', '1::int']) t.ok(lexesAsItself(v), v);
  for (const v of ["'", '"', '$$', '/*', 'a\\b', ':x', "'あ'"]) t.notOk(lexesAsItself(v), v);
});

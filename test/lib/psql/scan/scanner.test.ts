import t from 'tap';
import {
  copyEndStarts,
  scanMetaCommands,
  scanPsql,
  scanPsqlTo,
} from '../../../../lib/psql/scan/scanner.js';

const names = (text: string) => scanMetaCommands(text).map((c) => `${c.line}:${c.name}`);

t.test('finds meta-commands with their lines and arguments', async (t) => {
  const text = 'select 1;\n\\i file.sql\nselect 2 \\gset\n\\echo hi \\\\ \\o x\n';
  t.same(names(text), ['2:i', '3:gset', '4:echo', '4:o']);
  const [inc] = scanMetaCommands(text);
  t.equal(inc?.args, ' file.sql');
  t.equal(text.slice(inc?.start, inc?.end), '\\i file.sql');
  t.same(names('\\!ls'), ['1:!']);
  t.same(names('\\include_relative x'), ['1:include_relative']);
  t.same(names('trailing backslash \\'), []);
});

t.test('not meta-commands inside literals, dollar quotes and comments', async (t) => {
  t.same(names("select '\\c x';"), []);
  t.same(names("select 'it''s \\o';"), []);
  t.same(names("select E'\\' \\o';"), [], "E'' escapes the quote");
  t.same(names("select e'\\\\'; \\o x"), ['1:o'], 'escaped backslash ends the E string');
  t.same(names("select x'00' \\g"), ['1:g']);
  t.same(names('select "a\\o";'), []);
  t.same(names('select "a""\\o";'), []);
  t.same(names('do $$ \\c $$;'), []);
  t.same(names('do $fn$ select $$ \\c $$ $fn$; \\o'), ['1:o']);
  t.same(names('select a$1 \\g'), ['1:g'], '$ inside an identifier is no quote');
  t.same(names('-- \\c x\n\\o y'), ['2:o']);
  t.same(names('-- hi\r\\! ls\n'), ['1:!'], 'a carriage return ends a -- comment, as in psql');
  t.same(names('select 1; -- a\r\n\\o y'), ['2:o'], 'CRLF lines');
  t.same(names('/* \\c /* nested \\o */ still \\w */ \\g'), ['1:g']);
  t.same(names("select 'unterminated \\c"), []);
  t.same(names('/* unterminated \\c'), []);
  t.same(names('$tag$ unterminated \\c'), []);
  t.same(names("select 'a\nb' \n\\o"), ['3:o'], 'lines counted inside literals');
});

t.test('a command ends at an unquoted backslash, as psql reads it', async (t) => {
  t.same(names('\\echo hi \\! touch x'), ['1:echo', '1:!'], 'psql runs both');
  t.same(names("\\set x 'a\\\\' \\! touch x"), ['1:set', '1:!'], "a quoted '\\\\' is no separator");
  t.same(names('\\echo \'a \\o\' "b \\o" `c \\o`'), ['1:echo'], 'quoted backslashes');
  t.same(names('\\echo\\o x'), ['1:echo', '1:o']);
  t.same(names('\\echo a \\\\ select 1; \\o'), ['1:echo', '1:o'], '\\\\ back to SQL');
  t.same(
    names('\\echo a \\\\\\\\ $a$ \\o'),
    ['1:echo', '1:\\', '1:o'],
    'only the first \\\\ goes back',
  );
  t.same(
    names('\\\\set x $a$\\endif\n` \\! touch x'),
    ['1:\\', '1:endif', '2:!'],
    'a line starting with \\\\: a command named \\, its arguments skipped, as psql does',
  );
  t.same(names('\\copy t from stdin \\o x'), ['1:copy'], '\\copy takes the whole line');
  t.same(names('\\! ls \\o x'), ['1:!']);
});

const tokens = (text: string) =>
  scanPsql(text).map((k) =>
    k.kind === 'variable' ? `${k.line}:${k.name}` : `${k.line}:${k.kind}`,
  );

t.test('unquoted interpolations in SQL, not casts, quoted ones or literals', async (t) => {
  t.same(tokens('select :a, :b_1 from t where x = :"c" or y = :\'d\';'), ['1:a', '1:b_1']);
  t.same(tokens('select 1::int, x::text, a[1:2];'), ['1:2']);
  t.same(tokens('select \':a\', ":b", $$ :c $$; -- :d\n/* :e */ :f'), ['2:f']);
  t.same(tokens('\\echo :a\nselect :b'), ['1:meta', '2:b'], 'arguments are not SQL');
});

t.test("'...' literals whose end moves with standard_conforming_strings", async (t) => {
  t.same(tokens("select 'a\\';"), ['1:ambiguous']);
  t.same(tokens("select 'a\\' , ' \\! ls\n';"), ['1:ambiguous'], 'psql may find \\! outside');
  t.same(tokens("select 'it\\''s';"), ['1:ambiguous'], 'a backslash before a doubled quote');
  t.same(tokens("select 'a\\\\', '\\d+', 'it''s', E'a\\'', e'\\\\';"), [], 'unambiguous');
  t.same(tokens("select x\n  , 'a\n\\';"), ['3:ambiguous'], 'the line of the quote');
});

t.test('what a line leaves open, to be reopened at the start of the next', async (t) => {
  const reopen = (text: string) => scanPsqlTo(text).reopen;
  t.equal(reopen("select 'a';\n"), '');
  t.equal(reopen("select 'a\n"), "'");
  t.equal(reopen("select E'a\\\n"), "E'", 'an escaped newline stays inside');
  t.equal(reopen('select "a\n'), '"');
  t.equal(reopen('do $fn$ begin\n'), '$fn$');
  t.equal(reopen('/* a /* b */\n'), '/*', 'one level still open');
  t.equal(reopen('/* a /* b\n'), '/*/*');
  t.equal(reopen('select 1 -- a comment ends with its line\n'), '');
  t.equal(reopen("\\echo 'a\n"), '', 'a meta-command ends with its line');
  t.equal(reopen("select 'a"), '', 'only text that ends a line');
  const { tokens } = scanPsqlTo(`${reopen('/* a /* b\n')}*/ */ \\o x\n`);
  t.same(
    tokens.map((k) => k.kind),
    ['meta'],
    'reopened, the next line reads on from there',
  );
});

t.test('a \\. line ends COPY data: what follows is scanned afresh', async (t) => {
  const text = "copy t from stdin;\nO'Brien\t\\N\n\\.\n\\! touch x\nselect ':a';\n";
  t.same(tokens(text), ['4:meta'], "the data's quote opens a literal only up to the \\.");
  t.same(names(text), ['4:!']);
  const [bang] = scanMetaCommands(text);
  t.equal(text.slice(bang?.start, bang?.end), '\\! touch x', 'offsets into the whole text');
  t.same(names("select 'a\n\\.\r\n\\o x"), ['3:o'], 'with a carriage return too');
  t.same(names("select 'a\n \\.\n\\o x"), [], 'only a line of just \\.');
  t.same(names('select $$ -- c\r\\.\n$$ \\o x'), ['2:o'], 'a carriage return starts no line');
});

t.test('a dollar quote glued to a number or parameter: psql reads it by version', async (t) => {
  t.same(tokens("select 1$$ ' $$; \\! ls #'"), ['1:ambiguous'], 'psql 15 opens a body there');
  t.same(tokens('select $1$$ x $$'), ['1:ambiguous']);
  t.same(tokens('select 0x1F$q$ x $q$'), ['1:ambiguous'], 'PostgreSQL 16 has hex numbers');
  t.same(tokens('select a$$, b1$x$, $$ body $$, 1 $$ body $$'), [], 'identifiers take $ in');
  t.same(tokens('select 1$'), [], 'no opener');
  t.same(tokens("select :x$$ ' $$"), ['1:x', '1:ambiguous'], 'psql ends :x before the $$');
  t.same(tokens('select a::x$$'), ['1:ambiguous'], 'after a cast too');
  t.same(
    tokens("select $a$ x$a$1$$ ' $$ \\! touch x\n';"),
    ['1:ambiguous'],
    'a number right after a dollar body ends',
  );
  t.same(tokens("select $a$\nxx$a$1$$ ' $$;"), ['2:ambiguous'], 'on a line after the opener');
  t.same(tokens("select $a$ x $a$b$$ ' x'"), [], 'a word after a body: an identifier, $ and all');
  const [dollar] = scanPsql('select 1$$');
  t.match(dollar, { kind: 'ambiguous', cause: 'dollar', at: 8 });
});

t.test("-- right after a number's e: psql takes 1e- as one token, no comment", async (t) => {
  for (const number of ['1e', '1E', '1.e', '.5e', '1.5e', '0x1Fe', '1_0e'])
    t.same(tokens(`select ${number}-- '\n' \\! touch x\n`), ['1:ambiguous', '2:meta'], number);
  for (const text of ['select x1e-- c', 'select x.e-- c', 'select 1e-5 -- c', "select 'a'e-- c"])
    t.same(tokens(text), [], `${text}: a comment`);
  t.same(tokens('select 1e+-- c'), [], '1e+ then a comment');
});

t.test('\\; and \\: are a plain ; and : to psql, not commands', async (t) => {
  t.same(names("select 1 \\; select '\n' \\! touch x #';"), ['2:!'], 'the literal ends on line 2');
  t.same(names("select 1 \\: select '\n' \\! x #';\n\\o"), ['2:!', '3:o']);
  t.same(tokens('select \\:a, :b'), ['1:b'], '\\:a interpolates nothing');
});

t.test('the lines that end COPY data', async (t) => {
  t.same(copyEndStarts('\\.\nx\n\\.\r\n\\.x\n \\.\n\\.\r'), [0, 5, 17]);
  t.same(copyEndStarts('a\n\\.'), [2], 'at the end of the text, without a newline');
  t.same(copyEndStarts('\\.\r\r\n\\..\n'), [], 'no line that is only `\\.`');
  t.same(
    scanPsql("copy t from stdin;\nit's\n\\.\n\\echo x\n").map((m) => m.kind === 'meta' && m.name),
    ['echo'],
    'the text after one is scanned afresh',
  );
  // Offsets after a `\.` line are the whole text's: a command right after another is found.
  t.same(
    scanPsql('\\x\n\\.\n\\\\\\! x\n\\echo a \\o f\n').map(
      (m) => `${m.kind === 'meta' && m.name}@${m.start}`,
    ),
    ['x@0', '\\@6', '!@8', 'echo@13', 'o@21'],
  );
});

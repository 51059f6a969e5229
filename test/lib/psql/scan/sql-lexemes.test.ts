import t from 'tap';
import {
  dollarAfterNumber,
  isEscapeString,
  plainQuoteEnd,
  reopening,
  skipLiteralOrComment,
} from '../../../../lib/psql/scan/sql-lexemes.js';

/** What follows the construct that starts the text, as skipLiteralOrComment ends it. */
const after = (text: string) => {
  const end = skipLiteralOrComment(text, 0);
  return end === undefined ? undefined : text.slice(end);
};

t.test('each construct ends where psql ends it', async (t) => {
  // A plain '...' is plainQuoteEnd's (below); here it is the body of an E'...'.
  t.equal(after("'it''s \\' x' rest"), ' rest', "E'...': a doubled quote, a \\' escape");
  t.equal(after('"a""b" rest'), ' rest');
  t.equal(after("$$ ' \\! $$ rest"), ' rest');
  t.equal(after('$f$ $$ $f$ rest'), ' rest', 'only its own tag closes a body');
  t.equal(after('/* a /* b */ c */ rest'), ' rest', 'comments nest');
  t.equal(after('-- c\nrest'), '\nrest');
  t.equal(after('-- c\r\\! ls\n'), '\r\\! ls\n', 'a carriage return ends a -- comment');
  t.equal(after('x'), undefined, 'no construct');
  t.equal(after('$1'), undefined, 'a parameter opens no body');
});

t.test('a construct left open runs to the end of the text', async (t) => {
  for (const text of ["'open", '"open', '$$ open', '/* /* */ open']) t.equal(after(text), '', text);
});

t.test("E'...' strings: a backslash escapes, and E must start a token", async (t) => {
  const text = "E'a\\' b' rest";
  t.ok(isEscapeString(text, 1));
  t.equal(skipLiteralOrComment(text, 1), 8, "the \\' does not end it");
  t.notOk(isEscapeString("xE'a'", 2), 'xE is an identifier');
  t.notOk(isEscapeString(":E'a'", 2), ':E is a variable to psql');
  t.notOk(isEscapeString("1.E'a'", 3), '1.E is one token to psql 15');
  t.notOk(isEscapeString("x.E'a'", 3), 'after any dot: read plain, which is safe either way');
  t.ok(isEscapeString("(E'a'", 2));
});

t.test("'...' with an odd run of backslashes before a quote is ambiguous", async (t) => {
  t.same(plainQuoteEnd("'a\\' b'", 0), { end: 4, ambiguous: 3 });
  t.same(plainQuoteEnd("'a\\\\' b'", 0), { end: 5, ambiguous: undefined });
  t.same(plainQuoteEnd("'a''b'", 0), { end: 6, ambiguous: undefined });
  // The run is what comes right before the quote: a doubled quote ends one.
  t.same(plainQuoteEnd("'a''\\' b'", 0), { end: 6, ambiguous: 5 });
  t.same(plainQuoteEnd("'\\''\\\\' b'", 0), { end: 7, ambiguous: 2 });
  t.same(plainQuoteEnd("'\\\\\\'", 0), { end: 5, ambiguous: 4 });
  t.same(plainQuoteEnd("'a\\", 0), { end: 3, ambiguous: undefined }, 'open to the end');
});

t.test('what reopens a construct carried over a line end', async (t) => {
  t.equal(reopening("'abc\n", 0), "'");
  t.equal(reopening("E'abc\n", 1), "E'");
  t.equal(reopening('"abc\n', 0), '"');
  t.equal(reopening('$q$ body\n', 0), '$q$');
  t.equal(reopening('/* /* a */ b /* c\n', 0), '/*/*');
  t.equal(reopening('select\n', 0), '');
});

t.test('a dollar quote glued to a number, a $n or a :name', async (t) => {
  t.ok(dollarAfterNumber('select 1$$', 8));
  t.ok(dollarAfterNumber('select $1$$', 9));
  t.ok(dollarAfterNumber('select :x$$', 9));
  t.notOk(dollarAfterNumber('select a1$$', 9), 'an identifier takes the $ in');
  t.notOk(dollarAfterNumber('select 1 $$', 9), 'not glued');
  t.notOk(dollarAfterNumber('select 1$', 8), 'no dollar tag');
});

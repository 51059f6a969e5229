import t from 'tap';
import {
  liveVariants,
  maskedLineStarts,
  maskedVariants,
} from '../../../../lib/psql/guard/client-encodings.js';

/** UTF-8 text as the scan holds it: one latin1 character per byte. */
const bytes = (s: string) => Buffer.from(s, 'utf8').toString('latin1');
const encodings = (s: string) => maskedVariants(bytes(s)).map((v) => v.encodings);
const seen = (s: string, encoding: string) =>
  maskedVariants(bytes(s)).find((v) => v.encodings.includes(encoding))?.text;

t.test('ASCII, and non-ASCII text that masks no ASCII byte, reads one way', async (t) => {
  t.same(encodings("select 'abc', '\\x';"), []);
  t.same(encodings("select 'é', '東京';"), [], 'every reading ends each run on a boundary');
  t.same(encodings("select 'あ"), [], 'a character at the end of the line masks nothing');
});

t.test('a three-byte character swallows the quote after it', async (t) => {
  const line = "select 'あ', 'x';";
  t.same(encodings(line), ['SJIS, SHIFT_JIS_2004, BIG5, GBK, UHC, JOHAB, GB18030']);
  // E3 81 82: E3 leads a pair (E3 81), 82 leads the next pair and takes the quote.
  t.equal(seen(line, 'BIG5'), "select '\xe3\xff\x82\xff, 'x';");
});

t.test('each encoding measures its own way', async (t) => {
  // く is E3 81 8F: JOHAB reads 8F as SS3, three bytes; the pair encodings take one byte.
  const ku = "select 'く', 'x';";
  t.equal(seen(ku, 'JOHAB'), "select '\xe3\xff\x8f\xff\xff 'x';");
  t.equal(seen(ku, 'BIG5'), "select '\xe3\xff\x8f\xff, 'x';");
  // GB18030 reads four bytes where the second is a digit.
  t.equal(seen("select 'あ1', 'x';", 'GB18030'), "select '\xe3\xff\x82\xff\xff\xff 'x';");
  // SJIS reads A1-DF as one-byte kana: ｱ is EF BD B1, which SJIS ends on a boundary.
  t.notOk(seen("select 'ｱ', 'x';", 'SJIS'));
  t.ok(seen("select 'ｱ', 'x';", 'BIG5'));
});

t.test('the lines with variants, found in one pass over the text', async (t) => {
  const lines = ["select 'あ', 'x';", 'ascii', "select 'あ", "'東京'", "'く'", 'あ1', ''];
  const text = bytes(lines.join('\n'));
  const expected: number[] = [];
  let at = 0;
  for (const line of lines) {
    if (maskedVariants(bytes(line)).length > 0) expected.push(at);
    at += bytes(line).length + 1;
  }
  t.same(expected.length, 3, 'the first, the く and the あ1 line');
  t.same(maskedLineStarts(text), expected, 'a newline is never a trailing byte');
});

t.test('readings that only join words or lengthen one are left out', async (t) => {
  const live = (s: string) => liveVariants(bytes(s)).map((v) => v.encodings);
  const all = 'SJIS, SHIFT_JIS_2004, BIG5, GBK, UHC, JOHAB, GB18030';
  // あ (E3 81 82) read as pairs takes the byte after it: here a space or a letter.
  t.same(encodings('1\tZürich – Genève #2\tq'), [
    'SJIS, SHIFT_JIS_2004',
    'BIG5, GBK, UHC, JOHAB, GB18030',
  ]);
  t.same(live('1\tZürich – Genève #2\tq'), [], 'a space joining two words');
  t.same(live("select 'あb c', 'x';"), [], 'a letter lengthening a word');
  t.same(live("select 'x' as あ b;"), []);
  t.same(live("select あ $$ ' $$;"), [all], 'a dollar quote after the space');
  t.same(live("select あ E'\\' x';"), [all], "E' after the space");
  t.same(live('select あ 1$$;'), [all], 'a number before a dollar');
  t.same(live('select :あb;'), [all], 'a variable name');
  t.same(live('\\echoあ x'), [all], 'a command name');
  t.same(live('select $あb$ x $あb$;'), [all], 'a dollar-quote tag');
  t.same(live("select 'あ', 'x';"), [all], 'a quote masked');
});

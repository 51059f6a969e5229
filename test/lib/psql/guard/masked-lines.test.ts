import t from 'tap';
import { liveVariants, maskedVariants } from '../../../../lib/psql/guard/client-encodings.js';
import { maskedLines } from '../../../../lib/psql/guard/masked-lines.js';

/** UTF-8 text as the scan holds it: one latin1 character per byte. */
const bytes = (s: string) => Buffer.from(s, 'utf8').toString('latin1');

/** What the one pass over a text must agree with: each line read on its own. */
function lineByLine(text: string) {
  const starts: number[] = [];
  const live: number[] = [];
  let at = 0;
  for (const line of text.split('\n')) {
    if (maskedVariants(line).length > 0) starts.push(at);
    if (liveVariants(line).length > 0) live.push(at);
    at += line.length + 1;
  }
  return { starts, live };
}

const found = (text: string) => {
  const { starts, live } = maskedLines(text);
  return { starts, live: [...live].sort((a, b) => a - b) };
};

t.test('the lines found in one pass are the lines read one by one', async (t) => {
  const lines = [
    "select 'あ', 'x';",
    'ascii only',
    "select 'あ",
    "'東京'",
    "'く'",
    'あ1',
    '',
    '1\tZürich – Genève #2\tq',
    "select あ $$ ' $$;",
    'select :あb;',
    '\\echoあ x',
    "select 'ｱ', 'x';",
    'あ\r',
    'é1é1é',
    'あE\tく',
    "あｱ'",
  ];
  const text = bytes(lines.join('\n'));
  t.same(found(text), lineByLine(text));
  t.same(found(bytes('あ')), { starts: [], live: [] }, 'at the end of the text');
  t.same(found(''), { starts: [], live: [] });
  // く's 8F leads three bytes under JOHAB: the newline ends it, and the next line starts afresh.
  const carried = bytes("あE\tく\nあｱ'");
  t.same(found(carried), lineByLine(carried), 'a character cut by a newline');
});

t.test('random lines of high bytes, digits and what the lexer reads', async (t) => {
  // A fixed generator: the same lines every run.
  let seed = 7;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return Math.floor((seed / 2 ** 31) * n);
  };
  const pieces = [
    'あ',
    'く',
    'ｱ',
    'é',
    '東',
    '\x8f',
    '1',
    'a',
    ' ',
    "'",
    '$',
    ':',
    '\\',
    'E',
    '\t',
    '\n',
  ];
  for (let round = 0; round < 3000; round++) {
    let s = '';
    for (let k = random(40); k > 0; k--) s += pieces[random(pieces.length)];
    const text = bytes(s);
    t.same(found(text), lineByLine(text), JSON.stringify(s));
  }
});

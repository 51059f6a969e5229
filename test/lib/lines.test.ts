import t from 'tap';
import { countNewlines, LineSplitter, lineCounter } from '../../lib/lines.js';

/** Splits the chunks and returns what came out, each cut line marked with a trailing '|'. */
function split(chunks: (string | Uint8Array)[], maxLine?: number): string[] {
  const out: string[] = [];
  const s = new LineSplitter((line, cut) => out.push(cut ? `${line}|` : line), maxLine);
  for (const c of chunks) s.push(typeof c === 'string' ? Buffer.from(c) : c);
  s.end();
  return out;
}

t.test('lines across chunks, CRLF, a last line without its newline', async (t) => {
  t.same(split(['a\nb', 'c\r', '\nd\n\ne']), ['a', 'bc', 'd', '', 'e']);
  t.same(split(['x\n']), ['x'], 'no empty line after the last newline');
  t.same(split([]), []);
});

t.test('a character split between chunks is decoded whole', async (t) => {
  const bytes = Buffer.from('é€\n');
  t.same(split([bytes.subarray(0, 1), bytes.subarray(1, 3), bytes.subarray(3)]), ['é€']);
});

t.test('a line longer than maxLine is cut, and its rest is not held', async (t) => {
  t.same(split(['abcdef\nab', 'cd\nabc', 'defgh', '\nxy'], 4), ['abcd|', 'abcd', 'abcd|', 'xy']);
  const lines: string[] = [];
  const s = new LineSplitter((line) => lines.push(line), 4096);
  const chunk = Buffer.alloc(64 * 1024, 'x');
  let most = 0;
  for (let i = 0; i < 256; i++) {
    s.push(chunk); // 16 MiB of one line, as psql printing a large value
    most = Math.max(most, s.held);
  }
  s.push(Buffer.from('\ndone\n'));
  t.equal(most, 4096, 'never more than maxLine characters held');
  t.same(
    lines.map((l) => l.length),
    [4096, 4],
  );
});

t.test('lineCounter counts lines up to increasing offsets', async (t) => {
  const at = lineCounter('a\nb\n\nc');
  t.same([at(0), at(2), at(4), at(5)], [1, 2, 3, 4]);
});

t.test('countNewlines counts in a range, the end excluded', async (t) => {
  t.equal(countNewlines('a\nb\nc\n', 0, 6), 3);
  t.equal(countNewlines('a\nb\nc\n', 2, 5), 1);
  t.equal(countNewlines('a\nb', 0, 1), 0);
});

t.test('lineCounter: many offsets on one long line, then later lines', async (t) => {
  const text = `${'x'.repeat(100_000)}\na\n\nb`;
  const at = lineCounter(text);
  for (let k = 0; k < 100_000; k += 7) t.equal(at(k), 1);
  t.equal(at(100_000), 1, 'the newline itself is on its line');
  t.equal(at(100_001), 2);
  t.equal(at(100_004), 4);
  t.equal(at(text.length), 4);
});

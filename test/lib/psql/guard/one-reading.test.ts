import t from 'tap';
import { hiddenCommand } from '../../../../lib/psql/guard/hidden-commands.js';
import { readOneWay } from '../../../../lib/psql/guard/one-reading.js';

const tainted = (name: string) => name === 'LAST_ERROR_MESSAGE';
const bytes = (s: string) => Buffer.from(s, 'utf8').toString('latin1');

/** What psql could find in `text`, the readings taken a line at a time and at once. */
const both = (text: string) => ({
  lineAtATime: hiddenCommand(text, tainted, undefined, false),
  atOnce: hiddenCommand(text, tainted),
});

/** A deterministic generator (mulberry32), so that a failing script can be made again. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

// What opens, ends or is found by a reading: literals, bodies, comments, commands, variables,
// the separators after a command, non-ASCII text a client encoding masks, COPY data.
const PIECES = [
  "'",
  "E'",
  '"',
  '$$',
  '$a$',
  '/*',
  '*/',
  '--',
  '\\N',
  '\\t',
  '\\! touch x',
  '\\echo x',
  '\\\\',
  '\\;',
  '\\:',
  ':LAST_ERROR_MESSAGE',
  ':v',
  '12:30',
  '1$$',
  "\\'",
  'あ',
  "'あ'",
  'select 1;',
  'copy t from stdin;',
  "O'Brien\t\\N\t2026-12-07 10:01:00+00",
  'plain words',
  '\t',
  // A word glued to a dollar body's end: each reading must start it where the body ends.
  'x$y',
  'xx$a$1$$',
];

function script(next: () => number, lines: number): string {
  const out: string[] = [];
  const pick = () => PIECES[Math.floor(next() * PIECES.length)] as string;
  for (let k = 0; k < lines; k++) {
    if (next() < 0.08) {
      out.push('\\.');
      continue;
    }
    const n = Math.floor(next() * 5);
    out.push(Array.from({ length: n }, pick).join(next() < 0.5 ? ' ' : ''));
  }
  return bytes(`${out.join('\n')}\n`);
}

t.test('the readings taken at once find what a line at a time finds', async (t) => {
  const next = random(20261208);
  let found = 0;
  for (let k = 0; k < 3000; k++) {
    const text = script(next, 2 + Math.floor(next() * 40));
    const { lineAtATime, atOnce } = both(text);
    if (lineAtATime) found++;
    if (JSON.stringify(atOnce) !== JSON.stringify(lineAtATime)) {
      t.same(atOnce, lineAtATime, JSON.stringify(text));
      return;
    }
  }
  t.ok(found > 300, `some scripts hide a command (${found})`);
  t.ok(found < 2700, 'and some do not');
});

t.test(
  'a number glued to a dollar quote past a body: both ways of taking the readings refuse',
  async (t) => {
    // A number glued to a dollar quote after a body's end, on a line after the first the
    // other reading is lexed from: lexed with the lines before it, the walk back over `$`,
    // letters and digits once stopped at the line's start and missed it.
    for (const text of ['select $a$\n$a$;\n\\.\nx$y\nxx$a$1$$\n\\N\n']) {
      const { lineAtATime, atOnce } = both(text);
      t.same(atOnce, lineAtATime, JSON.stringify(text));
      t.match(atOnce, { line: 5, found: 'a dollar quote after a number' });
    }
  },
);

t.test('over more lines than one scan takes, the readings are the same', async (t) => {
  const next = random(7);
  for (let k = 0; k < 40; k++) {
    // COPY data after a first block: the reading where psql was not in COPY stays open.
    const rows = Array.from({ length: 400 + Math.floor(next() * 400) }, (_, i) =>
      next() < 0.002
        ? '\\! touch x'
        : `${i}\tO'Brien's\t${next() < 0.3 ? "it's" : '\\N'}\tback\\\\slash`,
    );
    const text = `copy t from stdin;\nit's\n\\.\n$$\n\\.\ncopy u from stdin;\n${rows.join('\n')}\n\\.\n`;
    const { lineAtATime, atOnce } = both(text);
    t.same(atOnce, lineAtATime);
  }
});

t.test('one reading of many lines is what reading them one at a time leaves', async (t) => {
  const text = "a 'b\nc\nd' \\N\n/* x\ny */ :LAST_ERROR_MESSAGE\n";
  const read = readOneWay(text, 0, text.length, '', (token) => token.kind === 'variable');
  t.ok(read);
  if (!read) return;
  t.equal(read.stateAt(5), "'", 'inside the literal');
  t.equal(read.stateAt(7), "'");
  t.equal(read.stateAt(13), '', 'after it');
  t.equal(read.stateAt(18), '/*', 'inside the comment');
  t.equal(read.firstHazard, text.indexOf(':'), 'the variable');
  t.equal(read.commandWithin(7, 13), true, '\\N');
  t.equal(read.commandWithin(13, text.length), false);
  const inside = readOneWay(text, 5, text.length, "'", () => false);
  t.equal(inside?.stateAt(7), "'", 'from inside a literal');
  t.equal(inside?.stateAt(13), '');
});

t.test(
  'readings open in many states are refused where a line at a time refuses them',
  async (t) => {
    // Before the `\.` line, lines start inside dollar-quoted bodies of tags of their own, and one
    // inside a literal: past it, that many readings stay open, and the literal's is lexed.
    const tails = ["it's \\echo x \\\\ select 'b\n\\echo y\n", "it's\nselect 1;\n'\\echo y\n"];
    const found = new Set<string>();
    for (const tags of [13, 14, 15, 16, 17]) {
      const bodies = Array.from({ length: tags }, (_, k) => `select $t${k}$\n$t${k}$;`).join('\n');
      for (const tail of tails) {
        const { lineAtATime, atOnce } = both(`${bodies}\nselect 'a\n';\n\\.\n${tail}`);
        t.same(atOnce, lineAtATime, `${tags} bodies, then ${JSON.stringify(tail)}`);
        found.add(lineAtATime?.found ?? 'nothing');
      }
    }
    t.ok(found.has('too many ways to read it'), [...found].join(', '));
  },
);

import t from 'tap';
import { LineStateCursor, LineStateIndex } from '../../../../lib/psql/scan/line-states.js';
import { scanPsqlLines, scanPsqlTo } from '../../../../lib/psql/scan/scanner.js';

/** The state each line of `text` starts in, as the index says. */
function statesOf(text: string): string[] {
  const { lines } = scanPsqlLines(text);
  const cursor = new LineStateCursor(lines);
  const out: string[] = [];
  for (let at = 0; at < text.length; at = text.indexOf('\n', at) + 1 || text.length) {
    out.push(cursor.advanceTo(at, () => undefined));
  }
  return out;
}

t.test('the state each line starts in, as the scan of the whole text finds it', async (t) => {
  t.same(statesOf("select 'a\nb\nc';\nselect 1;\n"), ['', "'", "'", '']);
  t.same(statesOf('select $f$\nx\n$f$;\n'), ['', '$f$', '$f$']);
  t.same(statesOf('/* a /* b\n*/ c\n*/\nselect 1;\n'), ['', '/*/*', '/*', '']);
  t.same(statesOf("select E'\\\nx';\n"), ['', "E'"]);
  t.same(statesOf('select "a\nb";\n'), ['', '"']);
});

t.test('a `\\.` line ends what the text before it left open', async (t) => {
  t.same(statesOf("copy t from stdin;\nit's\nx\n\\.\nselect 1;\n"), ['', '', "'", "'", '']);
});

t.test('a literal opened at the end of the line before a `\\.` line is open there', async (t) => {
  t.same(statesOf("select 1;\n'\n\\.\n'x';\n"), ['', '', "'", '']);
  t.same(statesOf("select 1;\nE'\n\\.\r\n'x';\n"), ['', '', "E'", '']);
});

t.test('line starts in one state over many lines are one run', async (t) => {
  const { lines } = scanPsqlLines(`select '${'x\n'.repeat(100_000)}';\n`);
  t.equal(lines.states.length, 1);
  t.equal(lines.firsts[0], 10, 'the line after the quote opens');
  t.equal(lines.lasts[0], 8 + 2 * 100_000, 'the line the quote closes on');
});

t.test(
  'a line between two literals starts in nothing open, not inside a run of both',
  async (t) => {
    // Two literals over lines with a line in nothing open between them: merged into one run, the
    // middle line would read as inside a literal, as would a command on it the scan never saw.
    t.same(statesOf("select '\n';\nselect 1 as x' \\! id\n';\n"), ['', "'", '', "'"]);
    t.same(statesOf('/* a\n*/ select 1;\n/*\n*/\n'), ['', '/*', '', '/*']);
    const { lines } = scanPsqlLines("select '\n';\nx' \\! id\n';\n");
    t.equal(lines.states.length, 2, 'two runs');
  },
);

t.test('the cursor meets each run once, in order, up to where it is asked', async (t) => {
  const index = new LineStateIndex();
  index.add("'", 10, 20, 5);
  index.add('$a$', 30, 30, 25);
  index.add("'", 40, 50, 35);
  const met: string[] = [];
  const cursor = new LineStateCursor(index);
  const meet = (s: string) => met.push(s);
  t.equal(cursor.advanceTo(5, meet), '');
  t.equal(cursor.advanceTo(15, meet), "'");
  t.equal(cursor.advanceTo(25, meet), '');
  t.equal(cursor.advanceTo(30, meet), '$a$');
  t.equal(cursor.advanceTo(60, meet), '');
  t.same(met, ["'", '$a$', "'"]);
});

t.test('past 17 distinct states a comment is kept by its kind', async (t) => {
  const nested = Array.from({ length: 40 }, () => '/*\n').join('');
  const { lines } = scanPsqlLines(nested);
  t.equal(lines.states.at(-1), '/*');
  t.ok(lines.full);
  t.ok((lines.states[16] as string).length > 2, 'the first ones as deep as they are');
});

t.test(
  'a line lexed from the state it starts in ends where the scan says the next starts',
  async (t) => {
    // What lib/psql/guard/hidden-commands.ts takes from the index instead of lexing a line again:
    // the state the next line starts in, and whether the line has a command the scan found.
    const pieces = [
      ...["'", "''", '"', '$$', '$a$', "E'", '--', '/*', '*/', ':x', '::', ';', ' ', '1', 'a'],
      ...[
        '\\\\',
        "\\'",
        '\\',
        '\\.\n',
        '\\.\r\n',
        '\\;',
        '\\:',
        '\\echo ',
        '\\N',
        '\n',
        '\n',
        '\r',
      ],
      ...['copy t from stdin;\n', 'U&', 'X', '$1', 'あ', '\t'],
    ];
    let seed = 11; // a fixed generator: the same texts every run
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return Math.floor((seed / 2 ** 31) * n);
    };
    let lines = 0;
    for (let round = 0; round < 4000; round++) {
      let text = '';
      for (let k = random(60); k > 0; k--) text += pieces[random(pieces.length)];
      text = `${Buffer.from(text, 'utf8').toString('latin1')}\n`;
      const index = scanPsqlLines(text).lines;
      if (index.full) continue;
      const cursor = new LineStateCursor(index);
      for (let at = 0; at < text.length; ) {
        const end = text.indexOf('\n', at);
        const line = text.slice(at, end);
        const state = cursor.peek(at);
        const next = cursor.peek(end + 1);
        if (line !== '\\.' && line !== '\\.\r') {
          const lexed = scanPsqlTo(`${state}${line}\n`);
          const lexedCommand = lexed.tokens.some((token) => token.kind === 'meta');
          if (lexed.reopen !== next || lexedCommand !== cursor.commandWithin(at, end + 1)) {
            t.fail(`line at ${at} of ${JSON.stringify(text)}`);
            return;
          }
          lines++;
        }
        at = end + 1;
      }
    }
    t.ok(lines > 10_000, `${lines} lines compared`);
  },
);

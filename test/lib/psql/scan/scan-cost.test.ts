import t from 'tap';
import { expandSql } from '../../../../lib/psql/scan/expand.js';
import { scanPsql } from '../../../../lib/psql/scan/scanner.js';

/**
 * Big scripts of every shape hash in time linear in their size (docs/prepare.md, "Limits").
 * No clock here: each shape is large enough that a scan rescanning its line or the text per
 * character or per line takes many minutes, past tap's timeout for the file.
 */

const origin = { label: 'big.sql', dir: '/tmp' };
const expanded = (text: string) =>
  Buffer.concat(expandSql(text, origin, '/tmp').chunks).toString('latin1');
const MILLION = 1_000_000;

t.test('1M `--` comment lines', async (t) => {
  const text = `${'-- a comment line\n'.repeat(MILLION)}select 1;\n`;
  t.equal(expanded(text), text, 'no command found, the text hashed as it is');
});

t.test('a `--` comment ending at a carriage return still ends there', async (t) => {
  t.same(
    scanPsql('-- hi\r\\echo x\n').map((m) => m.kind === 'meta' && m.name),
    ['echo'],
  );
});

t.test('1M short statements, on lines and on one line', async (t) => {
  const lines = 'select 1;\n'.repeat(MILLION);
  t.equal(expanded(lines), lines);
  const oneLine = `${"select 'ab';".repeat(MILLION)}\n`;
  t.equal(expanded(oneLine), oneLine);
});

t.test('a 50 MB literal, and 1M `/* */` comments', async (t) => {
  const literal = `select '${'x'.repeat(50 * 2 ** 20)}';\n`;
  t.equal(scanPsql(literal).length, 0);
  const comments = '/* c */\n'.repeat(MILLION);
  t.equal(expanded(comments), comments);
  const oneLine = `${'/* c */ '.repeat(MILLION)}\n`;
  t.equal(expanded(oneLine), oneLine);
});

t.test('COPY data: 300k rows with quotes and \\N, then a command', async (t) => {
  const text = `copy t from stdin;\n${"it's\t\\N\n".repeat(300_000)}\\.\n\\echo done\n`;
  t.match(expanded(text), /\\echo done/);
});

t.test('commands and separators many to a line', async (t) => {
  const echoes = `${'\\echo a '.repeat(200_000)}\n`;
  t.equal(scanPsql(echoes).length, 200_000);
  const quoted = '\\echo "\n'.repeat(300_000);
  t.equal(scanPsql(quoted).length, 300_000, 'an unclosed quote in arguments ends at its line');
  // A `\\` line gets a second reading (docs/prepare.md): its line start is found once.
  const separated = `${'select 1 \\\\ '.repeat(200_000)}\n`;
  t.equal(expanded(separated), separated);
});

t.test('a long word with dollar signs, and \\g with many parentheses', async (t) => {
  t.equal(scanPsql(`x${'$a'.repeat(MILLION)}\n`).length, 0, 'a $ inside a word opens nothing');
  t.throws(() => expanded(`\\g ${'('.repeat(MILLION)}\n`), {
    message: /writing to a file or pipe is not allowed/,
  });
});

t.test('100k distinct dollar-quote tags over lines, then 100k `\\.` lines', async (t) => {
  // Each `\.` line may end COPY data begun in any state a line started in before (100k of
  // them): the walk adds them once, not again per `\.` line.
  const tags = Array.from({ length: 100_000 }, (_, k) => `$t${k}$, $t${k + 1}$\n`).join('');
  const text = `select $t0$\n${tags}$t100000$;\n${'\\.\n'.repeat(100_000)}`;
  t.equal(expanded(text), text, 'nothing read after them: the text hashed as it is');
  t.throws(() => expanded(`${text}select '$t7$';\n\\echo done\n`), {
    message:
      /big\.sql:200003: psql could find too many ways to read it here depending on whether the \\\. on line 100003/,
  });
});

t.test('200k comments nested one deeper per line, then a `\\.` line', async (t) => {
  // Each line starts in a state of its own, as long as its depth: past 16 of them the scan
  // keeps only what kind each is.
  const text = `${'/*\n'.repeat(200_000)}\\.\n`;
  t.equal(expanded(text), text);
  t.throws(() => expanded(`${text}*/ \\echo x\n`), { message: /too many ways to read it/ });
});

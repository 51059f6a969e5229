import { execFile } from 'node:child_process';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { hiddenCommand } from '../../../../lib/psql/guard/hidden-commands.js';
import { tempDir } from '../../../helpers/tmp.js';

const bytes = (s: string) => Buffer.from(s, 'utf8').toString('latin1');
const tainted = (name: string) => name === 'LAST_ERROR_MESSAGE';
const hazard = (s: string) => hiddenCommand(bytes(s), tainted);

t.test('text psql reads one way under every encoding has no hazard', async (t) => {
  t.equal(hazard("select '\\! not a command', :x;\n\\echo hi\n"), undefined, 'ASCII');
  t.equal(
    hazard("insert into t values ('東京', '大阪'), ('あ', 'a:b'), ('東', '12:30');\n"),
    undefined,
  );
  t.equal(hazard("select 'あ ', ' \\! x';\n"), undefined, 'a masked space moves nothing');
  t.equal(
    hazard("insert into t values ('あ', 'x');\n\\ir more.sql\n"),
    undefined,
    'fewer commands',
  );
  t.equal(hazard('COPY t (a, b) FROM stdin;\n1\t東京\t\\N\n2\tあ\t\\N\n\\.\n'), undefined);
  t.equal(hazard("select 'あ', ' :name ';\n"), undefined, 'a variable with no backslash');
});

t.test('a reading that finds more than the reference is a hazard, named', async (t) => {
  t.match(hazard("set client_encoding = 'SJIS';\nselect 'あ', ' \\! touch x #';\n"), {
    line: 2,
    found: 'the meta-command \\!',
    from: { line: 2, encodings: /SJIS.*GB18030/ },
  });
  t.match(hazard("select 'あ', ' :LAST_ERROR_MESSAGE ';\n"), {
    found: ':LAST_ERROR_MESSAGE unquoted',
  });
  t.match(hazard("select 'あ', ' x', \"a\\' \";\n"), { found: 'a backslash before a quote' });
  t.match(hazard("select 'あ1', ' \\! x #';\n"), { from: { encodings: 'GB18030' } });
});

t.test('readings carry what is open over lines, as psql does', async (t) => {
  // The masked quote leaves a literal open at the end of line 1; line 3 is outside it then.
  const text = "select 'あ', 'x\n';\n' \\! touch x';\n";
  t.match(hazard(text), { line: 3, found: 'the meta-command \\!', from: { line: 1 } });
  t.match(hazard("select E'あ', '\n', ' \\! x';\n"), { line: 2 }, 'from an E literal');
  t.match(hazard('select $q$あ$q$ /* 東 */ -- あ\n, 1;\n'), undefined, 'no quote to swallow');
  t.match(hazard("/* 'あ' */ select 'あ', ' */ \\! x';\n"), { line: 1 });
  t.match(hazard("select $a$'あ', '$a$, ' \\! x';\n"), undefined, 'inside a dollar body');
});

t.test('text that keeps too many readings apart is refused', async (t) => {
  // Each line leaves the masked readings in a dollar-quoted body of a tag of its own.
  const lines = Array.from({ length: 20 }, (_, k) => `select 'あ', '$a${k}$';`);
  t.match(hazard(`${lines.join('\n')}\n\\echo done\n`), {
    line: 17,
    found: 'too many ways to read it',
  });
  t.equal(hazard(`${lines.join('\n')}\n`), undefined, 'nothing after them to find');
});

t.test('past a \\. line, more states than a line may be read from are refused', async (t) => {
  // 20 nested comment depths a line started in; the line after the `\.` ends every one of them.
  const nested = `${'/*\n'.repeat(20)}${'*/ '.repeat(20)}\n`;
  t.match(hiddenCommand(`${nested}\\.\n${'*/ '.repeat(20)}\n\\echo x\n`, tainted), {
    line: 23,
    found: 'too many ways to read it',
    from: { line: 22, copy: true },
  });
  t.equal(hiddenCommand(`${nested}\\.\n\\.\nselect 1;\n\\.\n`, tainted), undefined);
});

const run = promisify(execFile);

t.test('past COPY data, psql may go on from where the COPY line ended', async (t) => {
  const copy = (rest: string, data: string, after: string) =>
    hiddenCommand(`copy t from stdin;${rest}\n${data}\n\\.\n${after}\n`, tainted);
  t.match(copy(" select '", "it's", "' \\! touch x #';"), {
    line: 4,
    found: 'the meta-command \\!',
    from: { line: 3, copy: true },
  });
  t.equal(copy('', "O'Brien\t\\N", '\\unrestrict k'), undefined, 'a dump: nothing more found');
  t.equal(copy(" select '", "it's", "' \\N \\t';"), undefined, 'unknown commands and toggles');
  t.match(
    hiddenCommand("select 'a\n\\.\n' \\! x';\n", tainted),
    { line: 3, from: { line: 2, copy: true } },
    'a \\. inside a literal: when not in COPY, psql is still in the literal',
  );
});

t.test('a command that fails makes psql drop the rest of its line', async (t) => {
  // \\` is unknown: psql drops `\\\\/* x`, where the scan went back to SQL and opened a comment.
  t.match(hiddenCommand('select 1 \\`\\\\/* x\n\\! touch x\n', tainted), {
    line: 2,
    from: { line: 1, dropped: true },
  });
  t.equal(
    hiddenCommand('\\echo a \\\\ select 1;\n\\echo b\n', tainted),
    undefined,
    'nothing left open',
  );
  // psql's SQL lexer takes `\;` and `\:` after a command as plain characters: back to SQL too.
  t.match(hiddenCommand("\\' x \\;E' \\! y\n\\! touch x\n", tainted), {
    line: 2,
    from: { line: 1, dropped: true },
  });
  t.match(hiddenCommand('\\echo a \\:" x\n\\! touch x\n', tainted), { line: 2 });
  // The last line has no newline: psql still reads it, and so do the readings.
  t.match(hiddenCommand("\\echo x \\\\ '\n\\! ls", tainted), {
    line: 2,
    found: 'the meta-command \\!',
    from: { line: 1, dropped: true },
  });
});

t.test('a line that starts inside a literal drops SQL only after a command on it', async (t) => {
  // Line 2 closes the literal, then runs \echo: if it fails, `select '` is dropped.
  t.match(hiddenCommand("select 'a\nb' \\echo x \\\\ select '\n\\! touch x\n';\n", tainted), {
    line: 3,
    from: { line: 2, dropped: true },
  });
  // The `\\` of line 2 is inside the literal: no command there, nothing to drop.
  t.equal(hiddenCommand("select 'a\nb \\\\ c\n';\n\\echo ok\n", tainted), undefined);
  t.equal(hiddenCommand("select 'a\nb \\\\ c\n\\! x';\n", tainted), undefined);
});

const ENCODINGS = ['SJIS', 'SHIFT_JIS_2004', 'BIG5', 'GBK', 'UHC', 'JOHAB', 'GB18030'];

/** The client encodings under which psql runs `\! touch` in `payload`, one psql each. */
async function ranUnder(dir: string, name: string, payload: string): Promise<string[]> {
  const ran: string[] = [];
  for (const encoding of ENCODINGS) {
    const marker = join(dir, `ran-${name}-${encoding}`);
    const file = join(dir, `${name}-${encoding}.sql`);
    await writeFile(
      file,
      `set client_encoding = '${encoding}';\n${payload.replace('MARK', marker)}\n`,
    );
    const args = ['-X', '-q', '-h', '127.0.0.1', '-U', 'postgres', '-d', 'postgres', '-f', file];
    await run('psql', args).catch(() => undefined); // the SQL itself fails, as it may
    if (
      await stat(marker).then(
        () => true,
        () => false,
      )
    )
      ran.push(encoding);
  }
  return ran;
}

t.test('past COPY data, psql runs what is found', async (t) => {
  const dir = await tempDir(t);
  const marker = join(dir, 'ran');
  const script = `create temp table t(a text);\ncopy t from stdin; select '\nit's\n\\.\n' \\! touch ${marker} #';\n`;
  const file = join(dir, 'copy.sql');
  await writeFile(file, script);
  const args = ['-X', '-q', '-h', '127.0.0.1', '-U', 'postgres', '-d', 'postgres', '-f', file];
  await run('psql', args).catch(() => undefined);
  await stat(marker);
  t.match(hiddenCommand(script, tainted), { line: 5, from: { line: 4, copy: true } });
});

t.test(
  'a literal opened right before a \\. line: psql, not in COPY, reads on inside it',
  async (t) => {
    const dir = await tempDir(t);
    const marker = join(dir, 'ran');
    const file = join(dir, 'literal.sql');
    for (const opener of ["'", "E'"]) {
      const script = `select 1;\n${opener}\n\\.\n'\\! touch ${marker}\n`;
      await writeFile(file, script);
      const args = ['-X', '-q', '-h', '127.0.0.1', '-U', 'postgres', '-d', 'postgres', '-f', file];
      await run('psql', args).catch(() => undefined);
      await t.resolves(stat(marker), `psql ran it after ${opener}`);
      t.match(hiddenCommand(script, tainted), { line: 4, from: { line: 3, copy: true } }, opener);
    }
  },
);

t.test('a hazard is found exactly where psql runs the hidden command', async (t) => {
  const dir = await tempDir(t);
  const cases = [
    { name: 'a', payload: "select 'あ', ' \\! touch MARK #';", ran: ENCODINGS },
    { name: 'ku', payload: "select 'く', ' \\! touch MARK #';", ran: ENCODINGS },
    { name: 'kana', payload: "select 'ｱ', ' \\! touch MARK #';", ran: ENCODINGS.slice(2) },
    { name: 'digit', payload: "select 'あ1', ' \\! touch MARK #';", ran: ['GB18030'] },
    { name: 'lines', payload: "select 'あ', 'x\n';\n' \\! touch MARK #';", ran: ENCODINGS },
    { name: 'space', payload: "select 'あ ', ' \\! touch MARK #';", ran: [] },
    // A masked space joins words: it moves nothing unless what follows reads the word's end.
    { name: 'joined', payload: "select 'x' as あ b, ' \\! touch MARK #';", ran: [] },
    { name: 'dollar', payload: "select あ $$ ' $$, ' \\! touch MARK #';", ran: ENCODINGS },
    { name: 'prefix', payload: "select あ E'\\' \\! touch MARK #';", ran: ENCODINGS },
    // Line 3 starts in nothing open between two lines that start inside literals.
    {
      name: 'between',
      payload: "select '\n' a;\nselect 1 as あ' \\! touch MARK\n';",
      ran: ENCODINGS,
    },
  ];
  for (const { name, payload, ran } of cases) {
    t.same(await ranUnder(dir, name, payload), ran, `psql: ${payload}`);
    const script = `set client_encoding = 'X';\n${payload}\n`;
    t.equal(
      hiddenCommand(bytes(script), tainted) !== undefined,
      ran.length > 0,
      `scan: ${payload}`,
    );
  }
});

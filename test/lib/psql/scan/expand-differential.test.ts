import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { expandSql } from '../../../../lib/psql/scan/expand.js';
import { tempDir } from '../../../helpers/tmp.js';

const run = promisify(execFile);

/** Pieces of psql input whose mixes have found ways past the scan before. */
const PIECES = [
  ...["'", "'", '"', '$$', '$a$', "E'", "''", '--', '/*', '*/', '`', ':x', ';', ' ', '1', 'a'],
  ...[
    '\\\\',
    "\\'",
    '\\',
    '\\.\n',
    '\\;',
    '\\:',
    '\n',
    '\n',
    '\r',
    'あ',
    'く',
    'ｱ',
    'あ1',
    'select ',
  ],
  ...['copy t from stdin;\n', '\\echo ', '\\set x ', '\\if true\n', '\\endif\n'],
  ...["\\set x ''''\n", '\\set x $$\n', 'select :x;\n'],
  ...["set client_encoding = 'BIG5';\n", "set client_encoding = 'SJIS';\n"],
  ...["set client_encoding = 'GB18030';\n", "set client_encoding = 'UTF8';\n"],
  'set standard_conforming_strings = off;\n',
  ...["U&'", "X'", '$1', '$$$', ' -- c\r', 'select 1 \\gset\n', '\\gexec\n', '\\t '],
  // \if blocks and values built from other variables
  ...['\\if false\n', '\\else\n', '\\set x a\n', '\\set y :x\n', ':y', '\\unset x\n'],
  // numbers and words glued to what follows them (GLUED_TOKENS, below)
  ...['1e', '1.', ':E', 'x$a$1', '$a$ '],
];

/** A script of random pieces, with `\! touch <marker>` after them, in a few places. */
function script(random: () => number, marker: string): string {
  const pieces = (n: number) => Array.from({ length: n }, () => PIECES[random() % PIECES.length]);
  let text = `create temp table t(a text);\n${pieces(3 + (random() % 14)).join('')}`;
  text += ` \\! touch ${marker}\n`;
  for (let k = random() % 3; k > 0; k--) text += `${pieces(4).join('')}\\! touch ${marker}\n`;
  return text;
}

t.test('psql runs no command in a script the scan accepts (random scripts)', async (t) => {
  const dir = await tempDir(t);
  let seed = 20261128;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed;
  };
  let accepted = 0;
  for (let n = 0; n < 250; n++) {
    const marker = join(dir, `ran-${n}`);
    const text = script(random, marker);
    try {
      expandSql(Buffer.from(text).toString('latin1'), { label: 'f.sql', dir }, dir);
    } catch {
      continue; // refused: psql never sees it
    }
    accepted++;
    const file = join(dir, `s${n}.sql`);
    await writeFile(file, text);
    const args = ['-X', '-q', '-h', '127.0.0.1', '-U', 'postgres', '-d', 'postgres', '-f', file];
    await run('psql', args, { timeout: 10_000 }).catch(() => undefined); // the SQL may fail
    const ran = await stat(marker).then(
      () => true,
      () => false,
    );
    if (ran) t.fail(`psql ran a command the scan did not see: ${JSON.stringify(text)}`);
  }
  t.ok(accepted > 60, `${accepted} of 250 accepted and run through psql`);
});

// Each runs `\! touch` under psql 15, where a token is glued to the one before it: a number
// and a dollar quote right after a dollar body ends (`x$a$1$$`: the body ends at the second
// `$a$`), in a line, on the line after the opener, past a `\.` line with psql not in COPY and
// past a failed command; `--` after a number's `e` (`1e-` is one token: no comment starts), in
// a script and in a variable's value; and `E'` after `:` or a number's `.` (`:E` is a
// variable, `1.E` one token: the literal is plain).
const GLUED_TOKENS = [
  "select 1e-- '\n' \\! touch MARK\n",
  "select .5E-- '\n' \\! touch MARK\n",
  "select 1.e-- '\n' \\! touch MARK\n",
  'select 1e-- \\! touch MARK\n',
  "\\set x '1e-- '''\nselect :x;\n' \\! touch MARK #';\n",
  "select :E'\\' \\! touch MARK #';\n",
  "select :::E'\\' \\! touch MARK #';\n",
  "select 1.E'\\' \\! touch MARK #';\n",
  "select 1.E'\\'\n\\! touch MARK\n';\n",
  "select $a$ x$a$1$$ ' $$ \\! touch MARK\n';\n",
  "select $a$\nxx$a$1$$ ' $$ \\! touch MARK\n';\n",
  "create temp table t(a text);\ncopy t from stdin; select $a$\ndata\n\\.\nx$y\nxx$a$1$$ ' $$ \\! touch MARK\n'\n",
  "\\foo x \\\\ select 'q\nselect $a$ '\ny$z\nxx$a$1$$ ' $$ \\! touch MARK\n'\n",
];

t.test('tokens glued together: psql runs the command, the scan refuses the script', async (t) => {
  const dir = await tempDir(t);
  for (const [n, template] of GLUED_TOKENS.entries()) {
    const marker = join(dir, `ran-${n}`);
    const text = template.replace('MARK', marker);
    t.throws(
      () => expandSql(Buffer.from(text).toString('latin1'), { label: 'f.sql', dir }, dir),
      { code: 'invalid_argument' },
      JSON.stringify(template),
    );
    const file = join(dir, `s${n}.sql`);
    await writeFile(file, text);
    const args = ['-X', '-q', '-h', '127.0.0.1', '-U', 'postgres', '-d', 'postgres', '-f', file];
    await run('psql', args, { timeout: 10_000 }).catch(() => undefined); // the SQL may fail
    t.ok(await stat(marker), `psql ran it: ${JSON.stringify(template)}`);
  }
});

/** Every way a script could act on the host, each leaving `marker` behind if psql ran it. */
const HOST_EFFECTS = [
  (m: string) => `\\! touch ${m}\n`,
  (m: string) => `\\o |touch ${m}\nselect 1;\n\\o\n`,
  (m: string) => `\\set x \`touch ${m}\`\n`,
  (m: string) => `\\echo \`touch ${m}\`\n`,
  (m: string) => `\\copy (select 1) to program 'touch ${m}'\n`,
  (m: string) => `\\copy t from program 'touch ${m}'\n`,
  (m: string) => `select 1 \\g |touch ${m}\n`,
  (m: string) => `\\w |touch ${m}\n`,
];

// Restricted mode (docs/prepare.md): psql under `\restrict` runs no host command whatever the
// engine's scan makes of the script. The scripts go to psql directly, the scan not asked.
t.test('restricted psql runs no host command in any script, scanned or not', async (t) => {
  const dir = await tempDir(t);
  let seed = 20261207;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed;
  };
  let runs = 0;
  for (let n = 0; n < 120; n++) {
    const marker = join(dir, `ran-${n}`);
    const effect = HOST_EFFECTS[n % HOST_EFFECTS.length] as (m: string) => string;
    const text = `${script(random, marker)}${effect(marker)}`;
    const key = randomBytes(16).toString('hex');
    const args = ['-X', '-q', '-h', '127.0.0.1', '-U', 'postgres', '-d', 'postgres'];
    // As the engine runs a step: the key first, then the script on standard input.
    const res = spawnSync('psql', [...args, '-c', `\\restrict ${key}`, '-f', '-'], {
      input: text,
      timeout: 10_000,
    });
    if (res.error) throw res.error;
    runs++;
    const ran = await stat(marker).then(
      () => true,
      () => false,
    );
    if (ran) t.fail(`restricted psql ran a host command: ${JSON.stringify(text)}`);
  }
  t.equal(runs, 120, 'every script ran through restricted psql');
  // The same scripts unrestricted do run them: the markers above are real.
  const marker = join(dir, 'unrestricted');
  spawnSync('psql', ['-X', '-q', '-h', '127.0.0.1', '-U', 'postgres', '-f', '-'], {
    input: (HOST_EFFECTS[0] as (m: string) => string)(marker),
  });
  t.ok(await stat(marker), 'unrestricted psql runs \\! (the check can see a run)');
});

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { refuseForbidden } from '../../../../lib/psql/guard/index.js';
import { expandSql } from '../../../../lib/psql/scan/expand.js';
import { scanMetaCommands } from '../../../../lib/psql/scan/scanner.js';
import { tempDir } from '../../../helpers/tmp.js';

// The guard's policy (lib/psql/guard/index.ts) as a table. Scripts go through expandSql, the
// walk that runs every file of every step through the guard; the per-command check goes through
// the guard's own entry. Each refusal is a 400 naming file and line.

/** Meta-commands that leave the build database or touch the engine host, each refused. */
const FORBIDDEN: [script: string, why: RegExp][] = [
  ['\\c other', /leaves the build database or touches the host/],
  ['\\connect other', /leaves the build database/],
  ['\\! ls', /touches the host/],
  ['\\o /tmp/out', /touches the host/],
  ['\\out /tmp/out', /touches the host/],
  ['\\w /tmp/out', /touches the host/],
  ['\\write /tmp/out', /touches the host/],
  ['\\lo_export 1 /tmp/out', /touches the host/],
  ['\\lo_import /etc/passwd', /touches the host/],
  ['\\cd /', /touches the host/],
  ['\\e', /touches the host/],
  ['\\edit', /touches the host/],
  ['\\ef f', /touches the host/],
  ['\\ev v', /touches the host/],
  ['\\password', /touches the host/],
  ['\\getenv v HOME', /touches the host/],
  ['\\prompt x', /no one to ask/],
  ['\\echo `id`', /backquotes run shell commands/],
  ['select 1 \\g /tmp/out', /file or pipe/],
  ['select 1 \\gx |cat', /file or pipe/],
  ['\\s /tmp/history', /file or pipe/],
];

/** Scripts the guard lets through: SQL, and meta-commands that stay in psql and the database. */
const ACCEPTED = [
  'select 1;',
  "insert into t values ('\\! not a command', $$\\o neither$$); -- \\c nor this",
  '\\echo hi',
  '\\set n 1\nselect :n;',
  "select 'x' as v \\gset\nselect :'v', :\"v\";",
  'select 1 \\g (format=csv)',
  '\\copy t from stdin\n1\n\\.',
  '\\if true\n\\qecho yes\n\\endif',
  '\\timing on\n\\pset format aligned\n\\d t',
];

t.test('each forbidden meta-command is refused, in a script and by the guard', async (t) => {
  const dir = await tempDir(t);
  for (const [script, why] of FORBIDDEN) {
    t.throws(
      () => expandSql(`select 1;\n${script}\n`, { label: 'f.sql', dir }, dir),
      { code: 'invalid_argument', message: new RegExp(`^f\\.sql:2: .*${why.source}`) },
      script,
    );
    const [cmd] = scanMetaCommands(`${script}\n`);
    t.ok(cmd, script);
    if (cmd) t.throws(() => refuseForbidden(cmd, (m) => new Error(m)), why, script);
  }
});

t.test('\\copy that writes on the host or runs a program is refused', async (t) => {
  const dir = await tempDir(t);
  for (const script of ["\\copy t to '/tmp/out'", "\\copy t from program 'id'"])
    t.throws(() => expandSql(script, { label: 'f.sql', dir }, dir), {
      code: 'invalid_argument',
      message: /^f\.sql:1: \\copy: .*engine host/,
    });
});

t.test('an include of a forbidden command is refused, naming the included file', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'inner.sql'), 'select 1;\n\\! touch x\n');
  for (const include of ['\\i inner.sql', '\\ir inner.sql', '\\include inner.sql'])
    t.throws(
      () => expandSql(`${include}\n`, { label: 'f.sql', dir }, dir),
      { code: 'invalid_argument', message: /inner\.sql:2: \\!: not allowed/ },
      include,
    );
});

t.test('plain SQL and harmless meta-commands are accepted', async (t) => {
  const dir = await tempDir(t);
  for (const script of ACCEPTED)
    t.doesNotThrow(() => expandSql(`${script}\n`, { label: 'f.sql', dir }, dir), script);
});

t.test('a client-encoding switch that would hide a command is refused', async (t) => {
  const dir = await tempDir(t);
  const utf8 = (s: string) => Buffer.from(s, 'utf8').toString('latin1');
  const hidden = "set client_encoding = 'SJIS';\nselect 'あ', ' \\! touch x #';\n";
  t.throws(() => expandSql(utf8(hidden), { label: 'f.sql', dir }, dir), {
    code: 'invalid_argument',
    message: /^f\.sql:2: psql could find the meta-command \\! here if the script switched/,
  });
});

import { createHash } from 'node:crypto';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { expandSql } from '../../../../lib/psql/scan/expand.js';
import { tempDir } from '../../../helpers/tmp.js';

const digest = (chunks: Buffer[]) =>
  createHash('sha256').update(Buffer.concat(chunks)).digest('hex');

t.test('includes expand recursively; paths never enter the content', async (t) => {
  const dir = await tempDir(t);
  await mkdir(join(dir, 'sub'));
  await writeFile(join(dir, 'a.sql'), 'A;\n\\ir sub/b.sql\n');
  await writeFile(join(dir, 'sub', 'b.sql'), 'B;\n\\ir c.sql\n\\include top.sql\n');
  await writeFile(join(dir, 'sub', 'c.sql'), 'C;\n');
  await writeFile(join(dir, 'top.sql'), 'TOP;\n');
  const origin = { label: join(dir, 'a.sql'), dir };
  const exp = expandSql('A;\n\\ir sub/b.sql\n', origin, dir);
  const text = Buffer.concat(exp.chunks).toString('latin1');
  for (const piece of ['A;', 'B;', 'C;', 'TOP;']) t.match(text, piece);
  t.notMatch(text, /sub\/b\.sql|c\.sql|top\.sql/, 'no file names in the hashed content');
  t.same(
    exp.files.map((f) => f.slice(dir.length)),
    ['/sub/b.sql', '/sub/c.sql', '/top.sql'],
  );

  const other = await tempDir(t);
  await mkdir(join(other, 'sub'));
  await writeFile(join(other, 'sub', 'b.sql'), 'B;\n\\ir c.sql\n\\include top.sql\n');
  await writeFile(join(other, 'sub', 'c.sql'), 'C;\n');
  await writeFile(join(other, 'top.sql'), 'TOP;\n');
  const moved = expandSql('A;\n\\ir sub/b.sql\n', { label: 'x', dir: other }, other);
  t.equal(digest(moved.chunks), digest(exp.chunks), 'same content elsewhere, same hash');
});

t.test('an include differs from the same text inline', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'x.sql'), 'X;');
  const included = expandSql('\\i x.sql', { label: 'l', dir }, dir);
  const inline = expandSql('X;', { label: 'l', dir }, dir);
  t.not(digest(included.chunks), digest(inline.chunks));
});

t.test('\\copy from a file hashes its content; stdin is fine', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'rows.csv'), '1\n2\n');
  const a = expandSql("\\copy t from 'rows.csv' with csv", { label: 'l', dir }, dir);
  t.same(a.files, [join(dir, 'rows.csv')]);
  await writeFile(join(dir, 'rows.csv'), '1\n3\n');
  const b = expandSql("\\copy t from 'rows.csv' with csv", { label: 'l', dir }, dir);
  t.not(digest(a.chunks), digest(b.chunks), 'editing the data file changes the hash');
  const s = expandSql('\\copy t from stdin\n1\n\\.\n', { label: 'l', dir }, dir);
  t.same(s.files, []);
  t.throws(() => expandSql("\\copy t from 'missing.csv'", { label: 'f.sql', dir }, dir), {
    message: /f\.sql:1: \\copy: .*missing\.csv: file not found/,
  });
  t.throws(() => expandSql('\\copy t', { label: 'f.sql', dir }, dir), {
    message: /expected FROM or TO/,
  });
  t.throws(() => expandSql('\\copy t from', { label: 'f.sql', dir }, dir), {
    message: /missing source/,
  });
  t.throws(() => expandSql('\\copy t from :f', { label: 'f.sql', dir }, dir), {
    message: /variables/,
  });
});

t.test('errors name file and line', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'inner.sql'), 'ok;\nok;\n\\! touch /tmp/x\n');
  t.throws(() => expandSql('select 1;\n\\i inner.sql', { label: 'outer.sql', dir }, dir), {
    code: 'invalid_argument',
    message: new RegExp(`${join(dir, 'inner.sql')}:3: \\\\!`),
  });
  await writeFile(join(dir, '-'), 'select 1;');
  await mkdir(join(dir, '~'));
  await writeFile(join(dir, '~', 'x.sql'), 'select 1;');
  t.throws(() => expandSql('\\i ~/x.sql', { label: 'o.sql', dir }, dir), {
    message: /^o\.sql:1: \\i: ~\/x\.sql: psql reads ~ as a home directory/,
  });
  t.throws(() => expandSql("\\copy t from '~/x.sql'", { label: 'o.sql', dir }, dir), {
    message: /psql reads ~ as a home directory/,
  });
  t.throws(() => expandSql('\\ir -', { label: 'o.sql', dir }, dir), {
    message: /^o\.sql:1: \\ir: - \(standard input\) is not allowed/,
  });
  t.throws(() => expandSql('\\i', { label: 'o.sql', dir }, dir), {
    message: /o\.sql:1: \\i: missing file name/,
  });
  await writeFile(join(dir, 'loop1.sql'), '\\ir loop2.sql');
  await writeFile(join(dir, 'loop2.sql'), '\\ir loop1.sql');
  t.throws(() => expandSql('\\i loop1.sql', { label: 'o.sql', dir }, dir), {
    message: /include cycle/,
  });
  await symlink(join(dir, 'loop1.sql'), join(dir, 'alias.sql'));
  t.throws(() => expandSql('\\i loop1.sql', { label: 'o.sql', dir }, dir), {
    message: /loop1\.sql/,
  });
  await mkdir(join(dir, 'adir'));
  t.throws(() => expandSql('\\i adir', { label: 'o.sql', dir }, dir), {
    message: /adir: not a regular file \(a directory\)/,
  });
  t.throws(() => expandSql("\\copy t from '/dev/zero'", { label: 'o.sql', dir }, dir), {
    message: /\/dev\/zero: not a regular file \(a character device\)/,
  });
  for (const cmd of [
    '\\cd /',
    '\\e',
    '\\password',
    '\\getenv x HOME',
    '\\s /tmp/h',
    '\\gx /tmp/o',
    '\\out x',
  ]) {
    t.throws(() => expandSql(cmd, { label: 'o.sql', dir }, dir), { code: 'invalid_argument' }, cmd);
  }
  t.doesNotThrow(() =>
    expandSql('select 1 \\g\nselect 2 \\g (format=csv)\n\\s\n', { label: 'o', dir }, dir),
  );
});

t.test(
  'SQL psql could read otherwise than the scan is refused, naming file and line',
  async (t) => {
    const dir = await tempDir(t);
    const refused = (text: string, message: RegExp) =>
      t.throws(() => expandSql(text, { label: 'f.sql', dir }, dir), {
        code: 'invalid_argument',
        message,
      });
    // Each of these ran `\\!` on the engine host before (checked with psql 15).
    refused(
      "select '\\! touch x' as cmd \\gset\n:cmd",
      /^f\.sql:2: :cmd may hold a backslash \(set from the server by \\gset at f\.sql:1\).*:'cmd'/,
    );
    refused(
      '\\set ON_ERROR_STOP off\nselect 1/0;\n:LAST_ERROR_MESSAGE',
      /^f\.sql:3: :LAST_ERROR_MESSAGE may hold/,
    );
    refused(
      "\\set y '\\\\! touch x'\n:y",
      /^f\.sql:2: :y may hold a backslash \(\\set at f\.sql:1 with a backslash\)/,
    );
    refused(
      "set standard_conforming_strings = off;\nselect 'a\\' , ' \\! touch x\n';",
      /^f\.sql:2: a backslash before a quote in '\.\.\.' is not allowed.*E'/,
    );
    refused('\\echo hi \\! touch x', /^f\.sql:1: \\!: not allowed/);
    refused('\\prompt x', /^f\.sql:1: \\prompt: not allowed/);
    refused("select 1$$ ' $$; \\! touch x #'", /^f\.sql:1: a dollar quote right after a number/);
    refused("select :x$$ ' $$; \\! touch x #'", /^f\.sql:1: a dollar quote right after .* a :name/);
    refused("select 1;\nselect '\0';\n' \\! touch x #';", /^f\.sql:2: a NUL byte is not allowed/);
    // The same written safely.
    const ok = "select 'x' as v \\gset\nselect :'v', :\"v\";\nselect E'a\\\\', 'C:\\dir', chr(92);";
    t.ok(expandSql(ok, { label: 'f.sql', dir }, dir).chunks.length > 0);
  },
);

t.test('text psql could read otherwise under another client encoding is refused', async (t) => {
  const dir = await tempDir(t);
  const utf8 = (s: string) => Buffer.from(s, 'utf8').toString('latin1');
  const hidden = "set client_encoding = 'SJIS';\nselect 'あ', ' \\! touch x #';\n";
  t.throws(() => expandSql(utf8(hidden), { label: 'f.sql', dir }, dir), {
    code: 'invalid_argument',
    message:
      /^f\.sql:2: psql could find the meta-command \\! here if the script switched the client encoding to SJIS, .* before line 2: .*include it with \\ir$/,
  });
  // The same text without backslashes, included from a file with them, is fine.
  await writeFile(join(dir, 'seed.sql'), "insert into t values ('あ', 'x'), ('東京', 'a:b');\n");
  const main = "\\set ON_ERROR_STOP on\nselect E'\\n';\n\\ir seed.sql\nselect E'\\t';\n";
  t.doesNotThrow(() => expandSql(utf8(main), { label: 'f.sql', dir }, dir));
  t.throws(
    () => expandSql(utf8("select 'あ', ' :v ';\n\\set v '\\\\'\n"), { label: 'f.sql', dir }, dir),
    { message: /^f\.sql:1: psql could find :v unquoted/ },
    'a variable that is set with a backslash anywhere in the file',
  );
});

t.test('COPY data: the command after it is seen, and a dump is accepted', async (t) => {
  const dir = await tempDir(t);
  const label = { label: 'f.sql', dir };
  t.throws(() => expandSql("copy t from stdin;\nit's\n\\.\n\\! touch x\n", label, dir), {
    message: /^f\.sql:4: \\!: not allowed/,
  });
  t.throws(
    () => expandSql("copy t from stdin; select '\nit's\n\\.\n' \\! touch x #';\n", label, dir),
    {
      message:
        /^f\.sql:4: psql could find the meta-command \\! here depending on whether the \\\. on line 3 ends COPY/,
    },
  );
  const dump = [
    "COMMENT ON TABLE t IS 'two\nlines';",
    'CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $_$\n select 1\n$_$;',
    'COPY public.t (a, b) FROM stdin;',
    "1\tO'Brien\t\\N",
    '2\t東京\t\\N',
    '\\.',
    "SELECT pg_catalog.setval('public.s', 1, false);",
    '\\unrestrict abc',
    '',
  ].join('\n');
  t.doesNotThrow(() => expandSql(Buffer.from(dump).toString('latin1'), label, dir));
});

t.test('variables are followed into includes, in order', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'inner.sql'), 'select 1 \\gset\n');
  t.throws(() => expandSql('\\i inner.sql\nselect :n;', { label: 'o.sql', dir }, dir), {
    message:
      /^o\.sql:2: :n may hold a backslash \(set from the server by \\gset at .*inner\.sql:1\)/,
  });
  t.doesNotThrow(() => expandSql('select :n;\n\\i inner.sql', { label: 'o.sql', dir }, dir));
});

t.test("\\if blocks are a file's own: an include's \\endif closes none outside", async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'stray.sql'), '\\endif\n');
  await writeFile(join(dir, 'open.sql'), '\\if true\n');
  const label = { label: 'o.sql', dir };
  const inBlock = "\\set x ''''\n\\if false\n\\ir stray.sql\n\\set x a\n\\endif\nselect :x;\n";
  t.throws(() => expandSql(inBlock, label, dir), { message: /^o\.sql:6: :x may hold/ });
  const afterOpen = "\\set x ''''\n\\ir open.sql\n\\set x a\nselect :x;\n";
  t.doesNotThrow(() => expandSql(afterOpen, label, dir), 'a block left open ends with its file');
});

t.test('-v values are known to a \\set that uses them', async (t) => {
  const dir = await tempDir(t);
  const text = '\\set tbl :schema.users\nselect * from :tbl;\n';
  const label = { label: 'o.sql', dir };
  t.doesNotThrow(() => expandSql(text, label, dir, [['schema', 'app']]));
  t.throws(() => expandSql(text, label, dir), { message: /from :schema, which may be unset/ });
});

t.test(
  'a large COPY block: a command hidden by its `\\.` is refused, lines named right',
  async (t) => {
    const dir = await tempDir(t);
    const label = { label: 'dump.sql', dir };
    const rows = Array.from(
      { length: 200_000 },
      (_, k) => `${k}\tO'Brien\\\\x\t東京 – ${k}\t\\N\t2026-12-07 10:00:00+00\n`,
    ).join('');
    const head = "copy t from stdin; select '\n";
    const tail = "\\.\n' \\! touch x #';\n";
    const text = Buffer.from(`${head}${rows}${tail}`, 'utf8').toString('latin1');
    t.throws(() => expandSql(text, label, dir), {
      message: `dump.sql:200003: psql could find the meta-command \\! here depending on whether the \\. on line 200002 ends COPY ... FROM STDIN data: psql takes such data as it is, not lexed, and this check cannot know where the script starts a COPY. Load such data with \\copy ... from 'file' instead`,
    });
    const plain = Buffer.from(`copy t from stdin;\n${rows}\\.\nselect 1;\n`, 'utf8');
    const expanded = expandSql(plain.toString('latin1'), label, dir, [], { bytes: plain });
    t.equal(digest(expanded.chunks), digest([plain]), 'accepted, and hashed byte for byte');
    t.throws(() => expandSql(`${plain.toString('latin1')}\\! ls\n`, label, dir), {
      message: /^dump\.sql:200004: \\!: not allowed/,
    });
  },
);

t.test('the bytes given are hashed as the text would be, includes and \\copy too', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'inc.sql'), 'select 2;\n\\echo in\n');
  await writeFile(join(dir, 'data.csv'), '1\n');
  const script = Buffer.from(
    "select 'é';\n\\echo a\n\\i inc.sql\n\\copy t from 'data.csv'\n\\copy t from stdin\n1\n\\.\n",
    'utf8',
  );
  const text = script.toString('latin1');
  const label = { label: 'f.sql', dir };
  const viaText = expandSql(text, label, dir);
  const viaBytes = expandSql(text, label, dir, [], { bytes: script });
  t.equal(digest(viaBytes.chunks), digest(viaText.chunks));
  t.same(viaBytes.files, viaText.files);
  const whole = Buffer.concat(viaBytes.chunks).toString('latin1');
  t.match(whole, /\\echo a\n/, 'commands not replaced stay in place');
  t.notMatch(whole, /\\i inc\.sql/, 'an include is replaced by its file');
  t.match(whole, /\\copy t from stdin\n1\n\\\.\n$/, 'the text after the last replaced command');
});

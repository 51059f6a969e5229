import t from 'tap';
import { Inliner, nameStdinLines, sourceLine } from '../../../../lib/psql/restrict/inline.js';
import { hasRestrict, parsePsqlVersion } from '../../../../lib/psql/restrict/restrict-support.js';
import { expandSql } from '../../../../lib/psql/scan/expand.js';
import { tempDir } from '../../../helpers/tmp.js';

t.test('includes are put in place and each line is named by its file and line', async (t) => {
  const dir = await tempDir(t);
  const { writeFile } = await import('node:fs/promises');
  await writeFile(`${dir}/inc.sql`, 'select 2;\nselect 3;');
  const inline = new Inliner();
  const text = 'select 1;\n\\i inc.sql\nselect 4;\n\\echo x\n';
  expandSql(text, { label: 'main.sql', dir }, dir, [], { inline });
  const { bytes, segments } = inline.result();
  const out = Buffer.from(bytes).toString('latin1');
  t.equal(out, 'select 1;\nselect 2;\nselect 3;\n\nselect 4;\n\\echo x\n');
  const names = [1, 2, 3, 4, 5, 6].map((n) => sourceLine(segments, n));
  t.same(names, [
    'main.sql:1',
    `${dir}/inc.sql:1`,
    `${dir}/inc.sql:2`,
    'main.sql:2',
    'main.sql:3',
    'main.sql:4',
  ]);
  t.equal(
    nameStdinLines('psql:<stdin>:6: error: backslash commands are restricted', segments),
    'psql:main.sql:4: error: backslash commands are restricted',
  );
});

t.test("pg_dump's \\restrict pair is dropped; another \\unrestrict is kept", async (t) => {
  const inline = new Inliner();
  const text = '\\restrict abc\nselect 1;\n\\unrestrict abc\n\\unrestrict other\n';
  expandSql(text, { label: 'stdin', dir: '/' }, '/', [], { inline });
  const out = Buffer.from(inline.result().bytes).toString('latin1');
  t.equal(out, '\nselect 1;\n\n\\unrestrict other\n');
});

t.test(
  'host files off: includes and \\copy from a file are refused, \\copy from stdin is not',
  async (t) => {
    const run = (text: string) =>
      expandSql(text, { label: 'stdin', dir: '/' }, '/', [], { hostFiles: false });
    t.throws(() => run('\\i /etc/passwd\n'), /stdin:1: \\i: .*host_files is off/);
    t.throws(
      () => run("select 1;\n\\copy t from '/etc/passwd'\n"),
      /stdin:2: \\copy: .*host_files/,
    );
    t.doesNotThrow(() => run('\\copy t from stdin\n1\n\\.\n'));
  },
);

t.test('psql versions with \\restrict', async (t) => {
  t.same(parsePsqlVersion('psql (PostgreSQL) 15.20 (Debian 15.20-1)\n'), [15, 20]);
  t.same(parsePsqlVersion('psql (PostgreSQL) 18beta1'), [18, 0]);
  t.equal(parsePsqlVersion('bash: psql: not found'), undefined);
  const yes = ['13.22', '14.19', '15.14', '16.10', '17.6', '18.0', '19.1'];
  const no = ['12.30', '13.21', '14.18', '15.13', '16.9', '17.5'];
  for (const v of yes) t.ok(hasRestrict(v.split('.').map(Number) as [number, number]), v);
  for (const v of no) t.notOk(hasRestrict(v.split('.').map(Number) as [number, number]), v);
});

import { execFile } from 'node:child_process';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { copyReadings } from '../../../../lib/psql/scan/copy-args.js';
import { expandSql } from '../../../../lib/psql/scan/expand.js';
import { tempDir } from '../../../helpers/tmp.js';

const run = promisify(execFile);
const latin1 = (s: string) => Buffer.from(s, 'latin1');

t.test('direction and source where psql finds them', async (t) => {
  t.same(copyReadings('t from stdin'), [{ direction: 'from', source: 'stdin' }]);
  t.same(copyReadings(`"a from stdin b" from program 'id'`), [
    { direction: 'from', source: 'program' },
  ]);
  t.same(copyReadings(`s."T"(a, "b c") from 'f.csv' csv`), [
    { direction: 'from', source: "'f.csv'" },
  ]);
  t.same(copyReadings(`(select ')' from t) to stdout`), [{ direction: 'to', source: 'stdout' }]);
  t.same(copyReadings('t stdin'), [], 'no FROM or TO: psql reports an error');
  // 0x81 leads a two-byte character under BIG5, GBK, UHC: the quote after it is no quote.
  const masked = copyReadings(`"t\x81" from stdin " from program 'id'`);
  t.ok(masked.some((r) => r.source === 'program'));
});

t.test('a \\copy psql reads as running a program is refused, as psql runs it', async (t) => {
  const dir = await tempDir(t);
  const scripts = [
    (mark: string) => `\\copy "a from stdin b" from program 'touch ${mark}'\n`,
    (mark: string) => `\\encoding BIG5\n\\copy "t\x81" from stdin " from program 'touch ${mark}'\n`,
  ];
  for (const [n, script] of scripts.entries()) {
    const mark = join(dir, `ran-${n}`);
    const file = join(dir, `s${n}.sql`);
    await writeFile(file, latin1(script(mark)));
    const args = ['-X', '-q', '-h', '127.0.0.1', '-U', 'postgres', '-d', 'postgres', '-f', file];
    await run('psql', args).catch(() => undefined); // the COPY itself fails: no such table
    await t.resolves(stat(mark), `psql ran the program: ${script('M')}`);
    t.throws(() => expandSql(script(mark), { label: 'f.sql', dir }, dir), {
      code: 'invalid_argument',
      message: /\\copy .*engine host/,
    });
  }
});

t.test('a quoted "stdin" is a file to psql', async (t) => {
  const dir = await tempDir(t);
  t.throws(() => expandSql("\\copy t from 'stdin'\n", { label: 'f.sql', dir }, dir, [], {}), {
    code: 'invalid_argument',
    message: /psql reads 'stdin' as the source/,
  });
});

t.test('plain \\copy forms still pass', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'données.csv'), '1\n');
  for (const script of [
    '\\copy t from stdin\n1\n\\.\n',
    '\\copy "My Table"(a, "b c") from pstdin\n',
    "\\copy t from 'données.csv' csv\n",
  ])
    t.doesNotThrow(
      () => expandSql(latin1(script).toString('latin1'), { label: 'f.sql', dir }, dir),
      script,
    );
});

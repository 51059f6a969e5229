import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { testEngine } from '../../../../helpers/engine.js';
import { killConnectionWhenRunning, mysqlSchemas } from '../../../../helpers/mysql.js';
import { prepare, unfinishedRecords } from '../../../../helpers/prepare.js';
import { tempDir } from '../../../../helpers/tmp.js';

t.test('a statement whose connection is lost fails the job as unavailable', async (t) => {
  const e = await testEngine(t);
  const marker = `lost_${e.store.catalogId}`;
  // The server closing the step's connection, as a shutdown or a crash would.
  const kill = killConnectionWhenRunning(`select sleep(30) as ${marker}%`);
  const { job } = await prepare(e, {
    prepare_kind: 'mysql',
    mysql_args: ['-e', 'create table a(x int)', '-e', `select sleep(30) as ${marker}`],
  });
  await kill;
  t.equal(job.status, 'failed');
  t.match(job.error, {
    code: 'unavailable',
    message:
      /^mysql lost its connection to the server in step 2 \(execute-1\) at statement 1 \(-e \(step 2\):1\)$/,
    details: /statement: select sleep\(30\)/,
  });
  t.equal((await mysqlSchemas(e.store.catalogId)).filter((s) => s.includes('_b_')).length, 0);
  t.same(unfinishedRecords(e), []);
});

t.test('a statement failing in the middle of an include names its file and line', async (t) => {
  const e = await testEngine(t);
  const dir = await tempDir(t);
  const main = join(dir, 'main.sql');
  await writeFile(main, 'create table a(x int);\nsource inc.sql\ninsert into a values (9);\n');
  await writeFile(
    join(dir, 'inc.sql'),
    'insert into a values (1);\n\ninsert into a\n  values (2), (oops);\ninsert into a values (3);\n',
  );
  const { job } = await prepare(e, { prepare_kind: 'mysql', mysql_args: [main] });
  t.equal(job.status, 'failed');
  const at = `${join(dir, 'inc.sql')}:3`.replaceAll(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  t.match(job.error, {
    code: 'invalid_argument',
    message: new RegExp(`in step 1 \\(execute-0\\) at statement 3 \\(${at}\\): Unknown column`),
    // From a file on the engine host: the statement itself is not shown (docs/mysql.md).
    details: /statement: \(from a file on the engine host: not shown\)/,
  });
  t.same(unfinishedRecords(e), []);
});

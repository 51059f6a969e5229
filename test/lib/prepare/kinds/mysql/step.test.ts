import t from 'tap';
import { testEngine } from '../../../../helpers/engine.js';
import { killConnectionWhenRunning, mysqlSchemas } from '../../../../helpers/mysql.js';
import { prepare, unfinishedRecords } from '../../../../helpers/prepare.js';

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
    message: /^mysql lost its connection to the server in step 2 \(execute-1\) at statement 1$/,
    details: /statement: select sleep\(30\)/,
  });
  t.equal((await mysqlSchemas(e.store.catalogId)).filter((s) => s.includes('_b_')).length, 0);
  t.same(unfinishedRecords(e), []);
});

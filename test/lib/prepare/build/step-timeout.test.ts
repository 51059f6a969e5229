import t from 'tap';
import { testEngine } from '../../../helpers/engine.js';
import { mysqlSchemas, mysqlThreadsRunning } from '../../../helpers/mysql.js';
import { backendsRunning, catalogDatabases } from '../../../helpers/postgres.js';
import { prepare, unfinishedRecords } from '../../../helpers/prepare.js';

/** step_timeout ends a step that runs too long (docs/prepare.md, "Limits"). */

t.test('a psql step past step_timeout fails the job with timeout; nothing is left', async (t) => {
  const e = await testEngine(t, { config: { step_timeout: '10s' } });
  const marker = `timeout_${e.store.catalogId}`;
  const { job } = await prepare(e, {
    psql_args: ['-c', 'create table a(x int)', '-c', `select pg_sleep(60) as ${marker}`],
  });
  t.equal(job.status, 'failed');
  t.match(job.error, {
    code: 'timeout',
    message: /^step 2 \(execute-1\) ran longer than step_timeout \(10s\) and was stopped$/,
  });
  const builds = async () =>
    (await catalogDatabases(e.store.catalogId)).filter((d) => d.includes('_b_'));
  t.same(await builds(), [], 'no build database (the state of step 1 is kept)');
  t.same(await backendsRunning(`select pg_sleep(60) as ${marker}%`), [], 'no running query');
  t.same(unfinishedRecords(e), []);

  // \watch repeats its query forever: psql itself is stopped.
  const watch = await prepare(e, {
    psql_args: ['-f', '-'],
    stdin: `select 1 as ${marker} \\watch 100\n`,
  });
  t.match(watch.job.error, { code: 'timeout', message: /^step 1 \(execute-0\) ran longer/ });
  t.same(await builds(), [], 'no build database');
});

t.test('a mysql step past step_timeout fails with timeout; its query is killed', async (t) => {
  const e = await testEngine(t, { config: { step_timeout: '10s' } });
  const marker = `timeout_${e.store.catalogId}`;
  const { job } = await prepare(e, {
    prepare_kind: 'mysql',
    mysql_args: ['-e', 'create table a(x int)', '-e', `select sleep(60) as ${marker}`],
  });
  t.equal(job.status, 'failed');
  t.match(job.error, {
    code: 'timeout',
    message: /^step 2 \(execute-1\) ran longer than step_timeout \(10s\) and was stopped$/,
  });
  const builds = (await mysqlSchemas(e.store.catalogId)).filter((s) => s.includes('_b_'));
  t.same(builds, [], 'no build schema (the state of step 1 is kept)');
  t.same(await mysqlThreadsRunning(`select sleep(60) as ${marker}%`), [], 'no running query');
  t.same(unfinishedRecords(e), []);
});

t.test('step_timeout 0 is no limit, and a step within the limit succeeds', async (t) => {
  const e = await testEngine(t, { config: { step_timeout: '0' } });
  const { job } = await prepare(e, { psql_args: ['-c', 'select pg_sleep(0.2)'] });
  t.equal(job.status, 'succeeded');
});

import t from 'tap';
import { testEngine } from '../../helpers/engine.js';
import { catalogDatabases } from '../../helpers/pg.js';
import { prepare, unfinishedRecords } from '../../helpers/prepare.js';

t.test('a step whose connection is lost fails the job as unavailable', async (t) => {
  const e = await testEngine(t);
  // As a server that shuts down or crashes mid-step: psql exits with 2.
  const { job } = await prepare(e, {
    psql_args: ['-c', 'select pg_terminate_backend(pg_backend_pid())'],
  });
  t.equal(job.status, 'failed');
  t.match(job.error, {
    code: 'unavailable',
    message: /^psql lost its connection to the server in step 1 \(execute-0\)$/,
    details: /exit code: 2[\s\S]*terminating connection due to administrator command/,
  });
  t.same(await catalogDatabases(e.store.catalogId), [], 'no build database left');
  t.same(unfinishedRecords(e), []);
});

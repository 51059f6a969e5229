import t, { type Test } from 'tap';
import { sqlrsError } from '../../../../lib/errors.js';
import type { JobStatus } from '../../../../lib/schema-types.js';
import { openSqljsStore } from '../../../../lib/store/sqljs/index.js';
import { copyCatalog } from '../../../helpers/catalog-files.js';
import { type TestEngine, testEngine } from '../../../helpers/engine.js';
import { catalogDatabases } from '../../../helpers/postgres.js';
import {
  prepare,
  psqlArgsOf,
  replaceServerMethod,
  taskRunning,
  unfinishedRecords,
} from '../../../helpers/prepare.js';
import { tempDir } from '../../../helpers/tmp.js';

/**
 * What a crash at this moment would leave: the catalog as flushed to disk, opened from a
 * copy (the engine keeps running on the original).
 */
async function onDisk(t: Test, e: TestEngine) {
  const dir = await tempDir(t);
  await copyCatalog(e.stateDir, dir);
  const store = await openSqljsStore({ dir });
  t.teardown(() => store.close());
  return store;
}

t.test('the state a job built is on disk, not pending, when its result is sent', async (t) => {
  const e = await testEngine(t); // no warm pool: no refill's write flushes it by chance
  const done = await prepare(e, { psql_args: ['-c', 'create table durable_t(x int)'] });
  const result = done.result;
  t.ok(result, 'prepared');
  const disk = await onDisk(t, e);
  t.ok(disk.getState(result?.state_id as string), 'the state row survives a crash now');
  t.ok(disk.getInstance(result?.instance_id as string), 'and so does the instance row');
  t.same(
    disk.listPending().filter((p) => p.kind === 'state_build'),
    [],
    'no build left pending, whose state reconciliation would drop',
  );
});

t.test("a step's state is durable before the next step runs", async (t) => {
  const e = await testEngine(t);
  const res = await e.call('POST', '/v1/prepare-jobs', {
    body: JSON.stringify({
      prepare_kind: 'psql',
      psql_args: psqlArgsOf(['-c', 'create table first_step(x int)'], ['-c', 'select pg_sleep(1)']),
    }),
  });
  const jobId = res.json().job_id as string;
  await taskRunning(e, jobId, 'execute-1');
  const job = (await e.get(`/v1/prepare-jobs/${jobId}`)).json() as JobStatus;
  const first = (job.tasks ?? []).find((x) => x.task_id === 'execute-0') as {
    output_state_id: string;
  };
  const disk = await onDisk(t, e);
  t.ok(disk.getState(first.output_state_id), 'the first step survives a crash in the second');
  // Let the job end before the engine stops.
  await e.get(`/v1/prepare-jobs/${jobId}/events`);
});

t.test('a failed build whose drop also fails is left to reconciliation', async (t) => {
  const e = await testEngine(t);
  // The server went down with the step: the build database cannot be dropped either.
  const restore = replaceServerMethod(t, e, 'drop', (real) => async (db, force) => {
    if (db.includes('_b_')) throw sqlrsError('unavailable', 'database server unavailable');
    return real(db, force);
  });
  const done = await prepare(e, {
    psql_args: psqlArgsOf(['-c', 'create table kept(x int)'], ['-c', 'select nope']),
  });
  t.equal(done.job.status, 'failed');
  const left = e.store.listPending().filter((p) => p.kind === 'drop');
  t.equal(left.length, 1, 'a drop is recorded for the build database');
  const buildDb = left[0]?.db_name as string;
  t.match(buildDb, /_b_/);
  t.ok((await catalogDatabases(e.store.catalogId)).includes(buildDb), 'its database is left');
  restore();
  const report = await e.deps.deletion.reconcile();
  t.same(report.dropped, [buildDb], 'reconciliation drops it (not reported unknown)');
  t.same(report.unknown, []);
  t.notOk((await catalogDatabases(e.store.catalogId)).includes(buildDb));
  t.same(unfinishedRecords(e), []);
});

t.test('a publish that fails once it made the state database leaves nothing behind', async (t) => {
  const e = await testEngine(t);
  // As MySQL's publish (a schema copy) failing halfway, or the size query after a rename.
  const restore = replaceServerMethod(t, e, 'publish', (real) => async (buildDb, stateDb) => {
    await real(buildDb, stateDb);
    throw sqlrsError('unavailable', 'database server unavailable');
  });
  const args = { psql_args: ['-c', 'create table published(x int)'] };
  t.equal((await prepare(e, args)).job.status, 'failed');
  t.same(await catalogDatabases(e.store.catalogId), [], 'the state database went too');
  t.same(unfinishedRecords(e), []);
  restore();
  // Left behind, the state's name stays taken: every later build of it fails on the rename.
  t.equal((await prepare(e, args)).job.status, 'succeeded');
});

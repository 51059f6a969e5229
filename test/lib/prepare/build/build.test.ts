import t, { type Test } from 'tap';
import { imageTarget } from '../../../../lib/config.js';
import { sqlrsError } from '../../../../lib/errors.js';
import { newJobId } from '../../../../lib/id.js';
import type { JobStatus } from '../../../../lib/schema-types.js';
import { openSqljsStore } from '../../../../lib/store/sqljs/index.js';
import { copyCatalog } from '../../../helpers/catalog-files.js';
import { type TestEngine, testEngine } from '../../../helpers/engine.js';
import { catalogDatabases, query } from '../../../helpers/postgres.js';
import {
  contextOf,
  prepare,
  psqlArgsOf,
  replaceServerMethod,
  taskRunning,
  unfinishedRecords,
  watchPool,
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

t.test('a state another engine built while the build lock was waited for is a hit', async (t) => {
  const e = await testEngine(t);
  const ctx = contextOf(e);
  const server = ctx.servers(imageTarget(ctx.config, 'postgres'));
  // Which state database's server lock is held right now (the build's, from take to release).
  let locked: string | undefined;
  const lockState = server.lockState;
  server.lockState = async (db) => {
    const unlock = await lockState.call(server, db);
    locked = db;
    return async () => {
      locked = undefined;
      await unlock();
    };
  };
  t.teardown(() => {
    server.lockState = lockState;
  });
  // The real store, whose refresh under the build's lock finds that another engine of the
  // catalog built the same state and committed its row while this one waited for the lock.
  const marks: string[] = [];
  e.store.refresh = async () => {
    const build = e.store.listPending().find((p) => p.kind === 'state_build');
    if (!build || e.store.getState(build.target_id)) return;
    const stateDb = ctx.names.state(build.target_id);
    if (locked !== stateDb) return;
    const other = ctx.names.build(newJobId(), 0);
    await server.createFrom(other, null);
    const size = await server.publish(other, stateDb);
    await e.store.write((w) =>
      w.insertState({
        state_id: build.target_id,
        parent_state_id: null,
        image_id: build.image_id,
        resolved_image_id: ctx.resolved.get(build.image_id) as string,
        prepare_kind: 'psql',
        prepare_args_normalized: 'built by another engine',
        db_name: stateDb,
        created_at: new Date().toISOString(),
        size_bytes: size,
        last_used_at: null,
      }),
    );
    marks.push('another engine committed the state');
  };
  watchPool(e, ({ task }) => {
    if (task === 'runPsql') marks.push('psql ran');
  });
  // Submitted to the job manager, not through HTTP: the edge's own refresh before each request
  // must not be what reads the row in.
  const job = await e.deps.jobs.submit({
    prepare_kind: 'psql',
    psql_args: ['-c', 'create table never_built(x int)'],
  });
  t.ok(await job.untilEnded(600_000), 'the job ended');
  const done = job.statusView();
  t.equal(done.status, 'succeeded', JSON.stringify(done.error));
  t.same(marks, ['another engine committed the state'], 'no step ran here: no second build');
  const step = (done.tasks ?? []).find((x) => x.task_id === 'execute-0');
  t.match(step, { status: 'succeeded', cached: true });
  t.ok(job.events.some((ev) => ev.message === 'reused the state another job built meanwhile'));
  const state = e.store.getState(done.result?.state_id as string);
  t.equal(state?.prepare_args_normalized, 'built by another engine', "the other engine's row");
  const rows = await query(done.result?.dsn as string, "select to_regclass('never_built') as r");
  t.same(rows, [{ r: null }], "the instance is a copy of the other engine's state");
  t.same(unfinishedRecords(e), [], 'the pending build record is cleared');
});

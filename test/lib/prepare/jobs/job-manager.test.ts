import t from 'tap';
import type { JobStatus } from '../../../../lib/schema-types.js';
import { testEngine } from '../../../helpers/engine.js';
import { catalogDatabases } from '../../../helpers/postgres.js';
import { followEvents, prepare, taskRunning, unfinishedRecords } from '../../../helpers/prepare.js';

t.test(
  'a failing script fails the job with psql message and exit code, leaving nothing',
  async (t) => {
    const e = await testEngine(t);
    const { job } = await prepare(e, {
      psql_args: ['-f', '-'],
      stdin: 'create table ok(x int);\ncreate tabel oops;\n',
      name: 'never-made',
    });
    t.equal(job.status, 'failed');
    t.match(job.error, {
      code: 'invalid_argument',
      message: /psql failed in step 1 \(execute-0\) with exit code 3/,
      details: /exit code: 3[\s\S]*syntax error at or near "tabel"/,
    });
    t.match(
      job.tasks?.find((x) => x.task_id === 'execute-0'),
      { status: 'failed' },
    );
    t.match(
      job.tasks?.find((x) => x.task_id === 'prepare-instance'),
      { status: 'skipped' },
    );
    t.same((await e.get('/v1/states')).json(), [], 'no state');
    t.same((await e.get('/v1/instances')).json(), [], 'no instance');
    t.same(await catalogDatabases(e.store.catalogId), [], 'no build database left on the server');
    t.same(unfinishedRecords(e), [], 'no pending record left');
    t.same(
      e.store.catalogDatabases().filter((d) => d.kind === 'instance'),
      [],
      'the instance row recorded up front is gone',
    );
    t.equal(e.store.getName('never-made'), undefined, 'and so is its name');
  },
);

t.test(
  'eight concurrent identical prepares build the state once and give eight instances',
  async (t) => {
    const e = await testEngine(t, { config: { max_concurrent_jobs: 4 } });
    const body = {
      psql_args: [
        '-c',
        'create table t(x int); select pg_sleep(0.3)',
        '-c',
        'insert into t values (1)',
      ],
    };
    const results = await Promise.all(Array.from({ length: 8 }, () => prepare(e, body)));
    t.ok(
      results.every((r) => r.events.at(-1)?.type === 'result'),
      'every job succeeded',
    );
    t.equal(new Set(results.map((r) => r.result?.state_id)).size, 1, 'one state');
    t.equal(new Set(results.map((r) => r.result?.instance_id)).size, 8, 'eight instances');
    const builds = results.flatMap((r) =>
      r.events.filter((ev) => ev.type === 'log' && ev.message?.startsWith('building ')),
    );
    t.equal(builds.length, 2, 'each of the two states was built exactly once');
    t.equal((await e.get('/v1/states')).json().length, 2);
    const dbs = await catalogDatabases(e.store.catalogId);
    t.equal(dbs.filter((d) => d.includes('_i_')).length, 8);
    t.equal(dbs.filter((d) => d.includes('_b_')).length, 0);
  },
);

t.test('two engines with separate catalogs on one server do not interfere', async (t) => {
  const a = await testEngine(t);
  const b = await testEngine(t);
  t.not(a.store.catalogId, b.store.catalogId);
  const body = { psql_args: ['-c', 'create table t(x int)'] };
  const [ra, rb] = await Promise.all([prepare(a, body), prepare(b, body)]);
  t.equal(ra.job.result?.state_id, rb.job.result?.state_id, 'same content, same state id');
  t.not(ra.job.result?.dsn, rb.job.result?.dsn);
  t.same(stepsCached(rb.job), [false], 'each engine builds in its own namespace');
  const dbsA = await catalogDatabases(a.store.catalogId);
  const dbsB = await catalogDatabases(b.store.catalogId);
  t.equal(dbsA.length, 2);
  t.equal(dbsB.length, 2);
  t.ok(dbsA.every((d) => !dbsB.includes(d)));
});

t.test('a full queue answers 503 busy', async (t) => {
  const e = await testEngine(t, { config: { max_concurrent_jobs: 1, queue_limit: 1 } });
  const post = () =>
    e.call('POST', '/v1/prepare-jobs', {
      body: JSON.stringify({ prepare_kind: 'psql', psql_args: ['-c', 'select pg_sleep(0.5)'] }),
    });
  const running = await post();
  t.equal(running.status, 202);
  await new Promise((r) => setTimeout(r, 100));
  t.equal((await post()).status, 202, 'one may wait');
  const busy = await post();
  t.equal(busy.status, 503);
  t.match(busy.json(), { code: 'busy' });
  t.equal((await followEvents(e, running.json().job_id)).at(-1)?.type, 'result');
});

t.test('an unreachable server fails the job as unavailable, without the password', async (t) => {
  const e = await testEngine(t, {
    config: {
      images: { 'pg-down': 'postgres://u:s3cret@127.0.0.1:1/postgres' },
      default_image: 'pg-down',
    },
  });
  const { job } = await prepare(e, { psql_args: ['-c', 'select 1'] });
  t.equal(job.status, 'failed');
  t.match(job.error, { code: 'unavailable', details: 'postgres://u@127.0.0.1:1/postgres' });
  t.notMatch(JSON.stringify(job), /s3cret/);
  const unknown = await e.call('POST', '/v1/prepare-jobs', {
    body: JSON.stringify({
      prepare_kind: 'psql',
      image_id: 'oracle:23',
      psql_args: ['-c', 'select 1'],
    }),
  });
  t.equal(unknown.status, 400);
  t.match(unknown.json(), { message: /image_id oracle:23 is not configured/ });
});

t.test('an image whose version tag does not match the server fails the job', async (t) => {
  const e = await testEngine(t);
  const { job } = await prepare(e, { image_id: 'postgres:9', psql_args: ['-c', 'select 1'] });
  t.equal(job.status, 'failed');
  t.match(job.error, {
    code: 'invalid_argument',
    message: /wants version 9 but the server runs 15\./,
  });
  const ok = await prepare(e, { image_id: 'postgres:15', psql_args: ['-c', 'select 1'] });
  t.equal(ok.job.status, 'succeeded');
  t.match(
    ok.job.tasks?.find((x) => x.type === 'resolve_image'),
    { resolved_image_id: /^postgres:15@15\.\d+\/\d+$/ },
  );
});

function stepsCached(job: { tasks?: Array<{ type: string; cached?: boolean }> }) {
  return (job.tasks ?? []).filter((x) => x.type === 'state_execute').map((x) => x.cached);
}

t.test('a job cancelled by the engine stopping says so', async (t) => {
  const e = await testEngine(t);
  const res = await e.call('POST', '/v1/prepare-jobs', {
    body: JSON.stringify({ prepare_kind: 'psql', psql_args: ['-c', 'select pg_sleep(5)'] }),
  });
  const jobId = res.json().job_id as string;
  await taskRunning(e, jobId, 'execute-0');
  // Not "job cancelled" alone: a client could not tell this from a cancel it had asked for.
  await e.deps.jobs.shutdown();
  const job = (await e.get(`/v1/prepare-jobs/${jobId}`)).json() as JobStatus;
  t.match(job, {
    status: 'failed',
    error: { code: 'cancelled', message: 'job cancelled: the engine is stopping' },
  });
});

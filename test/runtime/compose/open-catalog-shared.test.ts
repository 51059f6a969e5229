import t, { type Test } from 'tap';
import { testEngine } from '../../helpers/engine.js';
import { ADMIN_URL, holdClient, query } from '../../helpers/postgres.js';
import { followEvents, prepare } from '../../helpers/prepare.js';
import { hex } from '../../helpers/rows.js';
import { until } from '../../helpers/until.js';

/** Two engines in this process on one shared catalog of the test's own (docs/scaling.md). */
async function twoEngines(t: Test) {
  const db = `sqlrs_cat_${hex(6)}`;
  await query(ADMIN_URL, `CREATE DATABASE ${db}`);
  // Registered first, so it runs after both engines stopped (tap runs teardowns in reverse).
  t.teardown(() => query(ADMIN_URL, `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`));
  const config = {
    catalog: `postgres://postgres@127.0.0.1:5432/${db}`,
    warm_pool: { per_state: 0 },
    // One job at a time, whatever the machine's cores: a test holds an engine's only slot.
    max_concurrent_jobs: 1,
  };
  const a = await testEngine(t, { config });
  const b = await testEngine(t, { config });
  return { a, b, db };
}

t.test(
  'a name asked of two engines is bound once: the job that binds it second fails with conflict',
  async (t) => {
    const { a, b, db } = await twoEngines(t);
    // B accepts its job (the name is free then) but runs it only after A bound the name: B's one
    // job slot is held by a step waiting on an advisory lock the test holds.
    const key = Number.parseInt(hex(3), 16);
    const gate = await holdClient(t);
    await gate.query('SELECT pg_advisory_lock($1)', [key]);
    const blocker = prepare(b, { psql_args: ['-c', `select pg_advisory_lock(${key})`] });
    await until(
      async () =>
        (await b.get('/v1/prepare-jobs'))
          .json()
          .some((j: { status: string }) => j.status === 'running'),
      'the blocker running',
    );
    const body = { psql_args: ['-c', `select '${hex(4)}'`], name: 'shared-dup' };
    const res = await b.call('POST', '/v1/prepare-jobs', {
      body: JSON.stringify({ prepare_kind: 'psql', ...body }),
    });
    t.equal(res.status, 202, 'B accepts: the name is free');
    const first = await prepare(a, body);
    t.equal(first.job.status, 'succeeded', 'A binds the name');
    await gate.query('SELECT pg_advisory_unlock($1)', [key]);
    await blocker;
    const jobId = res.json().job_id as string;
    await followEvents(b, jobId);
    const second = (await b.get(`/v1/prepare-jobs/${jobId}`)).json();
    t.equal(second.status, 'failed', "B's job does not take the name");
    t.equal(second.error?.code, 'conflict');
    const names = await query(
      `postgres://postgres@127.0.0.1:5432/${db}`,
      'SELECT instance_id FROM sqlrs_catalog.names WHERE name = $1',
      ['shared-dup'],
    );
    t.equal(names[0]?.instance_id, first.result?.instance_id, "the name is still A's");
  },
);

import t from 'tap';
import { testEngine } from '../helpers/engine.js';
import { catalogDatabases } from '../helpers/postgres.js';
import { prepare } from '../helpers/prepare.js';
import { conforms } from '../helpers/schema.js';

t.test(
  'a running job is blocked (active_tasks) unless forced; force cancels and removes it',
  async (t) => {
    const e = await testEngine(t);
    const res = await e.call('POST', '/v1/prepare-jobs', {
      body: JSON.stringify({ prepare_kind: 'psql', psql_args: ['-c', 'select pg_sleep(40)'] }),
    });
    const id = res.json().job_id;
    const blocked = await e.call('DELETE', `/v1/prepare-jobs/${id}`);
    t.equal(blocked.status, 409);
    conforms(t, 'delete-result.json', blocked.json());
    t.same(blocked.json(), {
      dry_run: false,
      outcome: 'blocked',
      root: { kind: 'job', id, blocked: 'active_tasks' },
    });
    const dry = await e.call('DELETE', `/v1/prepare-jobs/${id}?dry_run=true`);
    t.equal(dry.status, 200);
    t.equal(dry.json().outcome, 'blocked');
    const forced = await e.call('DELETE', `/v1/prepare-jobs/${id}?force=true`);
    t.equal(forced.status, 200);
    t.same(forced.json(), { dry_run: false, outcome: 'deleted', root: { kind: 'job', id } });
    t.equal((await e.get(`/v1/prepare-jobs/${id}`)).status, 404);
    t.same(await catalogDatabases(e.store.catalogId), []);
  },
);

t.test('a finished job is deleted; a missing one is 404', async (t) => {
  const e = await testEngine(t);
  const { jobId } = await prepare(e, { psql_args: ['-c', 'select 1'], plan_only: true });
  const dry = await e.call('DELETE', `/v1/prepare-jobs/${jobId}?dry_run=1`);
  t.same(dry.json(), { dry_run: true, outcome: 'would_delete', root: { kind: 'job', id: jobId } });
  t.equal((await e.call('DELETE', `/v1/prepare-jobs/${jobId}`)).status, 200);
  t.equal((await e.call('DELETE', `/v1/prepare-jobs/${jobId}`)).status, 404);
  t.equal((await e.get(`/v1/prepare-jobs/${jobId}/events`)).status, 404);
});

import t from 'tap';
import { NDJSON } from '../../runtime/edge/listing/stream.js';
import { testEngine } from '../helpers/engine.js';
import { prepare } from '../helpers/prepare.js';
import { conforms } from '../helpers/schema.js';

t.test('GET /v1/prepare-jobs: all, one exact job, NDJSON, bad filter', async (t) => {
  const e = await testEngine(t);
  t.same((await e.get('/v1/prepare-jobs')).json(), []);
  const a = await prepare(e, { psql_args: ['-c', 'select 1'], plan_only: true });
  const b = await prepare(e, { psql_args: ['-c', 'select 2'], plan_only: true });
  const all = await e.get('/v1/prepare-jobs');
  conforms(t, 'job-list.json', all.json());
  t.same(
    all.json().map((j: { job_id: string }) => j.job_id),
    [a.jobId, b.jobId],
  );
  t.same(
    (await e.get(`/v1/prepare-jobs?job=${b.jobId}`))
      .json()
      .map((j: { job_id: string }) => j.job_id),
    [b.jobId],
  );
  t.same((await e.get(`/v1/prepare-jobs?job=${'0'.repeat(32)}`)).json(), []);
  t.equal(
    (await e.get(`/v1/prepare-jobs?job=${b.jobId.slice(0, 8)}`)).status,
    400,
    'job ids are used in full',
  );
  const nd = await e.get('/v1/prepare-jobs', { accept: NDJSON });
  t.equal(nd.text.trim().split('\n').length, 2);
});

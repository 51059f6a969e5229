import t, { type Test } from 'tap';
import { createFetchHandler, type FetchHandler } from '../../../runtime/cloud/fetch.js';
import { dropCatalogDatabases } from '../../helpers/catalog-cleanup.js';
import { gate } from '../../helpers/gate.js';
import { conforms } from '../../helpers/schema.js';
import { tempDir } from '../../helpers/tmp.js';
import { until } from '../../helpers/until.js';

const TOKEN = 'c'.repeat(64);
const auth = { authorization: `Bearer ${TOKEN}` };

/** A Fetch handler as a function would hold it, with its own state dir, closed at test end. */
async function fetchEngine(t: Test): Promise<FetchHandler> {
  const handler = createFetchHandler({
    stateDir: await tempDir(t),
    authToken: TOKEN,
    config: { warm_pool: { per_state: 0 } },
  });
  const core = await handler.engine();
  t.teardown(async () => {
    await handler.close();
    await dropCatalogDatabases(core.store.catalogId);
  });
  return handler;
}

const post = (h: FetchHandler, query: string, psqlArgs: string[], signal?: AbortSignal) =>
  h(
    new Request(`http://sqlrs.invalid/v1/prepare-jobs${query}`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ prepare_kind: 'psql', psql_args: psqlArgs }),
      signal,
    }),
  );

// biome-ignore lint/suspicious/noExplicitAny: tests index into replies freely
const json = (res: Response): Promise<any> => res.json();

const jobOf = async (h: FetchHandler, id: string) =>
  json(await h(new Request(`http://sqlrs.invalid/v1/prepare-jobs/${id}`, { headers: auth })));

t.test('a function does the job within its invocation: 201 with the finished job', async (t) => {
  const h = await fetchEngine(t);
  const res = await post(h, '?wait=120', ['-c', 'create table t(x int)']);
  t.equal(res.status, 201);
  const job = await json(res);
  conforms(t, 'job-status.json', job);
  t.equal(job.status, 'succeeded');
  t.match(job.result, { dsn: /^postgres/, state_id: /^[0-9a-f]{64}$/ });
  t.equal(res.headers.get('location'), `/v1/prepare-jobs/${job.job_id}`);
  t.same(job, await jobOf(h, job.job_id), 'the JobStatus GET of the job gives');
});

t.test('a failed job is 201 with the failure', async (t) => {
  const h = await fetchEngine(t);
  const res = await post(h, '?wait=120', ['-c', 'select 1/0']);
  t.equal(res.status, 201);
  const job = await json(res);
  t.equal(job.status, 'failed');
  t.match(job.error, { details: /division by zero/ });
});

t.test('a wait shorter than the job is 202, and the job still finishes', async (t) => {
  const h = await fetchEngine(t);
  const g = gate(t);
  const res = await post(h, '?wait=1', ['-c', g.sql]);
  t.equal(res.status, 202);
  const { job_id: id } = await json(res);
  t.not((await jobOf(h, id)).status, 'succeeded');
  await g.open();
  await until(async () => (await jobOf(h, id)).status === 'succeeded', 'the job succeeds');
  t.pass('the job finished after the answer');
});

t.test('a client that leaves ends the wait: 202, and the job goes on', async (t) => {
  const h = await fetchEngine(t);
  const g = gate(t);
  const client = new AbortController();
  const answer = post(h, '?wait=900', ['-c', g.sql], client.signal);
  const core = await h.engine();
  // Leave once the job is running (its step is held by the gate), not before it is accepted.
  await until(() => core.deps.jobs.list().some((j) => j.status === 'running'), 'job running');
  client.abort();
  const res = await answer;
  t.equal(res.status, 202);
  const { job_id: id } = await json(res);
  await g.open();
  await until(async () => (await jobOf(h, id)).status === 'succeeded', 'the job succeeds');
  t.pass('the job finished after the client left');
});

import t from 'tap';
import type { JobEvent } from '../../../../lib/schema-types.js';
import { type TestEngine, testClock, testEngine } from '../../../helpers/engine.js';
import { followEvents } from '../../../helpers/prepare.js';

// A finished job is kept job_retention (default 15m) after it finished, whatever else ends
// meanwhile; beyond that the newest 1000 (docs/prepare.md, "Jobs").

const MINUTE = 60_000;

async function submit(e: TestEngine, body: Record<string, unknown>): Promise<string> {
  const res = await e.call('POST', '/v1/prepare-jobs', {
    body: JSON.stringify({ prepare_kind: 'psql', ...body }),
  });
  if (res.status !== 202) throw new Error(`prepare answered ${res.status}: ${res.text}`);
  return res.json().job_id as string;
}

/** Waits until no job is queued or running (every job submitted has ended). */
async function allEnded(e: TestEngine): Promise<void> {
  while (e.deps.jobs.activeJobIds().size > 0) await new Promise((r) => setTimeout(r, 10));
}

const limitsOf = (e: TestEngine) =>
  (e.deps.jobs as unknown as { limits: { keepTotal: number } }).limits;

t.test('identical requests a second apart: each client reads its own result', async (t) => {
  const clock = testClock();
  const e = await testEngine(t, { clock: clock.now });
  const body = { psql_args: ['-c', 'create table t(x int)'] };
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    ids.push(await submit(e, body));
    await allEnded(e);
    clock.advance(1000);
  }
  const instances = new Set<string>();
  for (const [i, id] of ids.entries()) {
    const status = await e.get(`/v1/prepare-jobs/${id}`);
    t.equal(status.status, 200, `job ${i + 1}'s status is there`);
    t.equal(status.json().status, 'succeeded');
    instances.add(status.json().result?.instance_id);
    t.equal((await followEvents(e, id)).at(-1)?.type, 'result', 'and its events end in it');
  }
  t.equal(instances.size, 3, 'three instances, each known to the client that asked');
});

t.test('past job_retention, only the newest keepTotal finished jobs stay', async (t) => {
  const clock = testClock();
  const e = await testEngine(t, { clock: clock.now, config: { job_retention: '10m' } });
  limitsOf(e).keepTotal = 1; // the newest 1000 in the product; 1 here to see the cut
  const body = { psql_args: ['-c', 'select 1'], plan_only: true };
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    ids.push(await submit(e, body));
    await allEnded(e);
  }
  clock.advance(9 * MINUTE); // within the retention of every job above
  await submit(e, { ...body, psql_args: ['-c', 'select 2'] });
  await allEnded(e);
  for (const id of ids) t.equal((await e.get(`/v1/prepare-jobs/${id}`)).status, 200, 'kept');
  clock.advance(2 * MINUTE); // past it
  const last = await submit(e, { ...body, psql_args: ['-c', 'select 3'] });
  await allEnded(e);
  for (const id of ids) t.equal((await e.get(`/v1/prepare-jobs/${id}`)).status, 404, 'gone');
  t.equal((await e.get(`/v1/prepare-jobs/${last}`)).status, 200, 'the newest stays');
});

t.test('four identical jobs failing at once: every events stream ends in its error', async (t) => {
  const e = await testEngine(t, {
    config: { images: { down: 'postgres://u@127.0.0.1:1/postgres' }, default_image: 'down' },
  });
  const body = { psql_args: ['-c', 'select 1'] };
  const ids = await Promise.all([1, 2, 3, 4].map(() => submit(e, body)));
  await allEnded(e);
  for (const id of ids) {
    const res = await e.get(`/v1/prepare-jobs/${id}/events`);
    t.equal(res.status, 200, `job ${id}'s events are there`);
    const events = res.text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as JobEvent);
    t.match(events.at(-1), { type: 'error', error: { code: 'unavailable' } });
  }
});

t.test('job_retention must be a duration', async (t) => {
  await t.rejects(testEngine(t, { config: { job_retention: '15 minutes' } }), {
    message: /job_retention/,
  });
});

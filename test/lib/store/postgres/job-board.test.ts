import t, { type Test } from 'tap';
import { newJobId } from '../../../../lib/id.js';
import { Job } from '../../../../lib/prepare/jobs/job.js';
import { PgJobBoard } from '../../../../lib/store/postgres/job-board.js';
import { SETTLE_TIMEOUT_MS } from '../../../../lib/store/postgres/job-writer.js';
import { pgCatalog } from '../../../helpers/pg-catalog.js';
import { query } from '../../../helpers/postgres.js';
import { until } from '../../../helpers/until.js';

/** A catalog of the test's own and boards on it, one per "engine", closed at test end. */
async function boards(t: Test, opts: { retentionMs?: number; keepTotal?: number } = {}) {
  const cat = await pgCatalog(t);
  await cat.open(); // creates and migrates the schema, as an engine's start does
  const open: PgJobBoard[] = [];
  t.teardown(async () => {
    for (const b of open) await b.close();
  });
  const board = (engineId: string, clock: () => Date = () => new Date()) => {
    const b = new PgJobBoard({
      url: cat.url,
      schema: 'sqlrs_catalog',
      engineId,
      clock,
      retentionMs: opts.retentionMs ?? 60_000,
      keepTotal: opts.keepTotal ?? 1000,
      pollMs: 100,
      onError: (e) => t.comment(`board: ${e}`),
    });
    open.push(b);
    return b;
  };
  return { cat, board };
}

/** A job whose clock (its events' and end's times) is `skewMs` off. */
function newJob(skewMs = 0): Job {
  return new Job({
    id: newJobId(),
    kind: 'psql',
    imageId: 'postgres',
    planOnly: false,
    argsNormalized: '-c select 1',
    signature: 'sig',
    createdAt: new Date(Date.now() + skewMs).toISOString(),
    clock: () => new Date(Date.now() + skewMs),
  });
}

t.test('a published job is read through another board: status, events, list, tasks', async (t) => {
  const { board } = await boards(t);
  const [a, b] = [board('engine-a'), board('engine-b')];
  const job = newJob();
  a.publish(job);
  job.emit({ type: 'status', status: 'queued' });
  await a.settled(job);
  t.equal((await b.get(job.id))?.status, 'queued', 'the row is there once settled');
  job.setStatus('running');
  job.setPlan([{ task_id: 'plan', type: 'plan', planner_kind: 'psql' }]);
  job.setTask('plan', 'running');
  job.log('plan', 'a line');
  job.setTask('plan', 'succeeded');
  job.succeed();
  await a.settled(job);
  const got = await b.get(job.id);
  t.same(got, job.statusView(), 'the other board gives the status the running engine gives');
  const events = await b.events(job.id, 0);
  t.same(events?.events, job.events, 'every event, in order');
  t.equal(events?.count, job.eventCount);
  t.ok(events?.ended, 'ended');
  const later = await b.events(job.id, 3);
  t.same(later?.events, job.eventsFrom(3), 'from an index');
  t.same(
    (await b.list()).map((s) => s.job_id),
    [job.id],
    'listed',
  );
  t.same(await b.list('f'.repeat(32)), [], 'an exact id not there: none');
  t.same((await b.list(job.id))[0]?.tasks?.[0]?.status, 'succeeded', 'its tasks');
  t.equal(await b.get('0'.repeat(32)), undefined, 'an unknown job: undefined');
  t.equal(await b.events('0'.repeat(32), 0), undefined);
});

t.test('a cancel asked through another board reaches the owner, by notification', async (t) => {
  const { board } = await boards(t);
  const [a, b] = [board('engine-a'), board('engine-b')];
  const asked: string[] = [];
  a.onCancelRequested((id) => asked.push(id));
  const job = newJob();
  a.publish(job);
  job.emit({ type: 'status', status: 'queued' });
  await a.settled(job);
  const res = await b.requestCancel(job.id);
  t.ok(res?.requested, 'requested');
  t.equal(res?.status.status, 'queued');
  await until(() => asked.includes(job.id), 'the owner was told');
  job.fail({ code: 'cancelled', message: 'job cancelled' });
  await a.settled(job);
  t.notOk((await b.requestCancel(job.id))?.requested, 'a finished job: nothing to ask');
  const removed: string[] = [];
  a.onRemoved((id) => removed.push(id));
  t.ok(await b.remove(job.id), 'a finished job is removed');
  t.equal(await b.get(job.id), undefined, 'gone');
  await until(() => removed.includes(job.id), 'every engine is told it was removed');
});

t.test('the owner finds a cancel by polling when it missed the notification', async (t) => {
  const { cat, board } = await boards(t);
  const a = board('engine-a');
  const asked: string[] = [];
  a.onCancelRequested((id) => asked.push(id));
  const job = newJob();
  a.publish(job);
  job.emit({ type: 'status', status: 'queued' });
  await a.settled(job);
  await query(cat.url, 'UPDATE sqlrs_catalog.jobs SET cancel_requested = true WHERE job_id = $1', [
    job.id,
  ]);
  await until(() => asked.includes(job.id), 'found at a poll');
});

t.test("a dead engine's unfinished jobs are failed engine_lost, once", async (t) => {
  const { board } = await boards(t);
  const [a, b, c] = [board('engine-a'), board('engine-b'), board('engine-c')];
  const running = newJob();
  const done = newJob();
  for (const j of [running, done]) {
    a.publish(j);
    j.emit({ type: 'status', status: 'queued' });
  }
  running.setStatus('running');
  running.setPlan([
    { task_id: 'plan', type: 'plan', planner_kind: 'psql' },
    {
      task_id: 'prepare-instance',
      type: 'prepare_instance',
      input: { kind: 'image', id: 'x' },
      instance_mode: 'ephemeral',
    },
  ]);
  running.setTask('plan', 'running');
  done.succeed();
  await Promise.all([a.settled(running), a.settled(done)]);
  const counts = await Promise.all([b.failJobsOf(['engine-a']), c.failJobsOf(['engine-a'])]);
  t.same(counts.sort(), [0, 1], 'two passes at once fail it once');
  const got = await b.get(running.id);
  t.equal(got?.status, 'failed');
  t.equal(got?.error?.code, 'engine_lost');
  t.ok(got?.finished_at, 'finished');
  t.same(
    got?.tasks?.map((x) => x.status),
    ['failed', 'skipped'],
    'the running task failed, the queued one skipped',
  );
  const events = await b.events(running.id, 0);
  t.ok(events?.ended, 'ended');
  t.same(
    events?.events.slice(-3).map((e) => e.type),
    ['task', 'status', 'error'],
    "the events end as a failed job's do",
  );
  t.equal(events?.events.at(-1)?.error?.code, 'engine_lost');
  t.equal((await b.get(done.id))?.status, 'succeeded', 'a finished job is left alone');
  // The owner, still running after all, no longer writes the job: it stays failed.
  running.log('plan', 'late');
  running.succeed();
  await a.settled(running);
  t.equal((await b.get(running.id))?.error?.code, 'engine_lost', 'still failed engine_lost');
});

t.test('the unfinished jobs of an engine with no lease row are failed too', async (t) => {
  const { cat, board } = await boards(t);
  const store = await cat.open();
  // A live engine holds its row; the other engine's is gone (its stop removed it but could
  // not write its jobs' ends), so no pass finds it dead by its lease.
  await store.write((w) =>
    w.putEngine({
      engine_id: 'engine-live',
      started_at: new Date().toISOString(),
      lease_expires_at: new Date(Date.now() + 60_000).toISOString(),
    }),
  );
  const [live, gone, b] = [board('engine-live'), board('engine-gone'), board('engine-b')];
  const [kept, orphan] = [newJob(), newJob()];
  live.publish(kept);
  gone.publish(orphan);
  for (const j of [kept, orphan]) j.emit({ type: 'status', status: 'queued' });
  await Promise.all([live.settled(kept), gone.settled(orphan)]);
  t.equal(await b.failJobsOf([]), 1, 'one job failed');
  t.equal((await b.get(orphan.id))?.error?.code, 'engine_lost', "the rowless engine's job");
  t.equal((await b.get(kept.id))?.status, 'queued', "a live engine's job is left alone");
});

t.test(
  'the owner of a job failed engine_lost does not wait to write what it says after',
  async (t) => {
    const { board } = await boards(t);
    const [a, b] = [board('engine-a'), board('engine-b')];
    const job = newJob();
    a.publish(job);
    job.emit({ type: 'status', status: 'queued' });
    job.setStatus('running');
    await a.settled(job);
    t.equal(await b.failJobsOf(['engine-a']), 1, 'failed by the other engine');
    job.log('plan', 'said while the other engine failed it'); // written: the loss found
    await a.settled(job);
    job.fail({ code: 'cancelled', message: 'job cancelled' }); // its own end, never written
    // A settle that waited for these events would hold a GET or a ?wait= of the job on its own
    // engine for SETTLE_TIMEOUT_MS: it resolves at once, well before a third of that.
    const timeout = new Promise((r) => setTimeout(() => r('waited'), SETTLE_TIMEOUT_MS / 3));
    t.equal(await Promise.race([a.settled(job).then(() => 'settled'), timeout]), 'settled');
    t.equal((await b.get(job.id))?.error?.code, 'engine_lost', 'still failed engine_lost');
  },
);

t.test("an id not of a job's shape names no job (a NUL in it is no server error)", async (t) => {
  const { board } = await boards(t);
  const b = board('engine-b');
  for (const id of ['ab\u0000cd', 'x'.repeat(40), '../..']) {
    t.equal(await b.get(id), undefined, JSON.stringify(id));
    t.equal(await b.events(id, 0), undefined);
    t.equal(await b.requestCancel(id), undefined);
    t.equal(await b.remove(id), false);
  }
});

t.test('events asked past the end of a finished job: its count, so its end is found', async (t) => {
  const { board } = await boards(t);
  const [a, b] = [board('engine-a'), board('engine-b')];
  const job = newJob();
  a.publish(job);
  job.emit({ type: 'status', status: 'queued' });
  job.succeed();
  await a.settled(job);
  const past = await b.events(job.id, 1000);
  t.same(past?.events, [], 'no events from there');
  t.equal(past?.count, job.eventCount, "the job's count");
  t.ok(past?.ended, 'ended');
});

t.test('finished rows past retention go, beyond the newest keep-total', async (t) => {
  const { board } = await boards(t, { retentionMs: 60_000, keepTotal: 1 });
  const a = board('engine-a');
  // Two jobs ended long ago, the older first; one a while ago, one just now; one unfinished.
  const [older, old, recent, newest, running] = [
    newJob(-600_000),
    newJob(-500_000),
    newJob(-30_000),
    newJob(),
    newJob(),
  ];
  for (const j of [older, old, recent, newest, running]) {
    a.publish(j);
    j.emit({ type: 'status', status: 'queued' });
  }
  for (const j of [older, old, recent, newest]) j.succeed();
  await Promise.all([older, old, recent, newest, running].map((j) => a.settled(j)));
  t.equal(await a.trim(), 2, 'past retention: the two that ended long ago');
  const left = (await a.list()).map((s) => s.job_id).sort();
  t.same(left, [recent.id, newest.id, running.id].sort(), 'within retention and unfinished stay');
  const b = await boards(t, { retentionMs: 60_000, keepTotal: 1 });
  const c = b.board('engine-c');
  const [first, last] = [newJob(-600_000), newJob(-500_000)];
  for (const j of [first, last]) {
    c.publish(j);
    j.emit({ type: 'status', status: 'queued' });
    j.succeed();
  }
  await Promise.all([first, last].map((j) => c.settled(j)));
  t.equal(await c.trim(), 1, 'past retention: all but the newest finished');
  t.same(
    (await c.list()).map((s) => s.job_id),
    [last.id],
    'the newest finished stays',
  );
});

t.test("old rows are trimmed by the catalog server's clock, not the engine's", async (t) => {
  const { board } = await boards(t, { retentionMs: 60_000, keepTotal: 0 });
  // The engine's clock is a day ahead: by it, every job that ends now is past retention.
  const a = board('engine-a', () => new Date(Date.now() + 86_400_000));
  const b = board('engine-b');
  const job = newJob();
  b.publish(job);
  job.emit({ type: 'status', status: 'queued' });
  job.succeed();
  await b.settled(job);
  t.equal(await a.trim(), 0, 'nothing trimmed');
  t.equal((await a.get(job.id))?.status, 'succeeded', 'the job is kept');
});

t.test('a long job keeps its first and latest events on the board', async (t) => {
  const { board } = await boards(t);
  const a = board('engine-a');
  const job = newJob();
  a.publish(job);
  for (let i = 0; i < 2000; i++) {
    job.emit({ type: 'log', message: `line ${i}` });
    if (i % 300 === 0) await a.settled(job);
  }
  job.succeed();
  await a.settled(job);
  const all = await a.events(job.id, 0);
  const kept = (await a.list())[0];
  t.ok(kept, 'listed');
  t.same(all?.events.slice(0, 256), job.events.slice(0, 256), 'the first 256');
  t.same(all?.events.slice(-256), job.events.slice(-256), 'the latest 256');
  t.ok((all?.events.length ?? 0) < 1200, `bounded (${all?.events.length} kept of 2002)`);
});

import t from 'tap';
import { EVENTS_HEAD, EVENTS_TAIL, EventLog } from '../../../../lib/prepare/jobs/event-log.js';
import { Job } from '../../../../lib/prepare/jobs/job.js';
import type { JobEvent } from '../../../../lib/schema-types.js';

const ev = (i: number): JobEvent => ({ type: 'log', ts: '', message: String(i) });
const nums = (events: JobEvent[]) => events.map((e) => Number(e.message));

t.test('the first and the latest events are kept, each under its own index', async (t) => {
  const log = new EventLog(3, 4);
  for (let i = 0; i < 20; i++) log.push(ev(i));
  t.equal(log.length, 20, 'the count is of every event said');
  t.same(nums(log.from(0)), [0, 1, 2, 16, 17, 18, 19]);
  t.same(nums(log.from(2)), [2, 16, 17, 18, 19]);
  t.same(nums(log.from(5)), [16, 17, 18, 19], 'an index let go reads from the next one kept');
  t.same(nums(log.from(18)), [18, 19]);
  t.same(log.from(20), []);
  t.equal(log.last()?.message, '19');
});

t.test("a long job's log stays bounded, and ends in its terminal events", async (t) => {
  const job = new Job({
    id: 'a'.repeat(32),
    kind: 'psql',
    imageId: 'postgres',
    planOnly: false,
    argsNormalized: '',
    signature: 's',
    createdAt: '',
    clock: () => new Date(),
  });
  job.setStatus('running');
  for (let i = 0; i < 20_000; i++) job.log('execute-0', `line ${i}`);
  job.succeed();
  t.equal(job.eventCount, 20_003);
  t.equal(job.events.length, EVENTS_HEAD + EVENTS_TAIL);
  t.same(
    job.events.slice(-2).map((e) => e.type),
    ['status', 'result'],
  );
  t.equal(job.terminalEvent?.type, 'result');
});

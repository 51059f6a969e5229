import t from 'tap';
import {
  FIRST_MEASURE_AFTER_START_MS,
  MEASURE_AT_LEAST_EVERY_MS,
  mayBeOverBudget,
} from '../../../lib/lifecycle/recorded-usage.js';
import { openSqljsStore } from '../../../lib/store/sqljs/index.js';
import type { Page, Store } from '../../../lib/store/types.js';
import { type TestEngine, testClock, testEngine } from '../../helpers/engine.js';
import { prepare } from '../../helpers/prepare.js';
import { stateRow } from '../../helpers/rows.js';
import { tempDir } from '../../helpers/tmp.js';

t.test('over by the record: per server, images of one URL summed, others left out', async (t) => {
  const store = await openSqljsStore({ dir: await tempDir(t) });
  t.teardown(() => store.close());
  await store.write((w) => {
    w.insertState(stateRow({ image_id: 'postgres', size_bytes: 600 }));
    w.insertState(stateRow({ image_id: 'postgres:15', size_bytes: 500 }));
    w.insertState(stateRow({ image_id: 'gone', size_bytes: 5000 }));
  });
  // postgres and postgres:15 name the same server: 1,100 bytes there; an image no longer
  // configured (no server of its name) counts nowhere.
  t.equal(mayBeOverBudget(store, {}, 1100), false);
  t.equal(mayBeOverBudget(store, {}, 1099), true);
  const apart = { images: { 'postgres:15': 'postgres://x@h/db' } };
  t.equal(mayBeOverBudget(store, apart, 1000), false, 'on two servers, each is under');
  await store.write((w) => w.insertState(stateRow({ image_id: 'mysql', size_bytes: 1 })));
  t.equal(mayBeOverBudget(store, {}, 1100), true, 'a MySQL server is always measured');
});

/** Counts the pages of states a pass reads from the engine's catalog. */
function countPages(e: TestEngine): { pages: number } {
  const seen = { pages: 0 };
  const read = e.store.stateHoldsPage.bind(e.store);
  (e.store as { stateHoldsPage: Store['stateHoldsPage'] }).stateHoldsPage = (page: Page) => {
    seen.pages++;
    return read(page);
  };
  return seen;
}

/** An engine far under its cache budget, on a clock the test moves, counting pages read. */
async function underBudget(t: Parameters<typeof testEngine>[0]) {
  const clock = testClock();
  const e = await testEngine(t, {
    config: { cache_max_bytes: 1024 ** 3, cache_min_age: '0' },
    clock: clock.now,
  });
  return { clock, e, seen: countPages(e) };
}

const cache = (e: TestEngine) => e.deps.cache as NonNullable<TestEngine['deps']['cache']>;
const script = (i: number) => ['-c', `create table r${i}(x int)`];

t.test('a pass after a build reads the states only when due', async (t) => {
  const { clock, e, seen } = await underBudget(t);
  const first = await prepare(e, { psql_args: script(1) });
  t.equal(first.job.status, 'succeeded');
  await cache(e).idle();
  t.equal(seen.pages, 0, 'under the budget by the record, just started: no state is read');

  clock.advance(FIRST_MEASURE_AFTER_START_MS);
  const second = await prepare(e, { psql_args: script(2) });
  t.equal(second.job.status, 'succeeded');
  await cache(e).idle();
  const firstMeasure = seen.pages;
  t.ok(firstMeasure > 0, 'a minute after the start: the first measure');
  await prepare(e, { psql_args: script(3) });
  await cache(e).idle();
  t.equal(seen.pages, firstMeasure, 'and the pass after it does not measure again');

  clock.advance(MEASURE_AT_LEAST_EVERY_MS);
  await prepare(e, { psql_args: script(8) });
  await cache(e).idle();
  t.ok(seen.pages > firstMeasure, 'no measure for the interval: the next pass measures');
});

t.test('over the budget by the record: the pass after a build measures and evicts', async (t) => {
  const e = await testEngine(t, { config: { cache_max_bytes: 1, cache_min_age: '0' } });
  const seen = countPages(e);
  const a = await prepare(e, { psql_args: script(4) });
  t.equal((await e.call('DELETE', `/v1/instances/${a.result?.instance_id}`)).status, 200);
  const b = await prepare(e, { psql_args: script(5) });
  t.equal(b.job.status, 'succeeded');
  await cache(e).idle();
  t.ok(seen.pages > 0, 'the states were read');
  t.notOk(e.store.getState(a.result?.state_id as string), 'the unheld state was evicted');
  t.ok(e.store.getState(b.result?.state_id as string), 'the one with an instance stays');
});

t.test('a dry run does not put off the measure; a clock set back makes one due', async (t) => {
  const { clock, e, seen } = await underBudget(t);
  clock.advance(FIRST_MEASURE_AFTER_START_MS);
  await prepare(e, { psql_args: script(9) });
  await cache(e).idle();
  t.ok(seen.pages > 0, 'the first measure after the start');
  clock.advance(MEASURE_AT_LEAST_EVERY_MS - 60_000);
  t.equal((await e.call('POST', '/v1/cache/evict?dry_run=true')).status, 200);
  const afterDry = seen.pages;
  clock.advance(60_000);
  await prepare(e, { psql_args: script(6) });
  await cache(e).idle();
  t.ok(seen.pages > afterDry, 'the interval counts from the last real measure');

  const measured = seen.pages;
  clock.advance(-3_600_000);
  await prepare(e, { psql_args: script(7) });
  await cache(e).idle();
  t.ok(seen.pages > measured, 'a clock set back an hour: the next pass measures');
});

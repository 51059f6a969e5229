import t, { type Test } from 'tap';
import { type TestEngine, testEngine } from '../../../helpers/engine.js';
import { catalogDatabases, query } from '../../../helpers/postgres.js';
import {
  poolOf,
  prepare,
  replaceServerMethod,
  unfinishedRecords,
} from '../../../helpers/prepare.js';

// Claim before drop (docs/performance.md, "Warm pool"): a copy leaves the pool in the catalog
// before the server is asked to drop it, so a hand-out never takes a copy being dropped.

const SEED = 'create table t(x int); insert into t select generate_series(1, 100)';
const POOL = { warm_pool: { per_state: 2, max_total: 3 } };

const pooledDbs = (e: TestEngine, stateId?: string) =>
  e.store.listPooled(stateId).map((r) => r.db_name);

async function hit(e: TestEngine) {
  const p = await prepare(e, { psql_args: ['-c', SEED] });
  if (!p.result) throw new Error(`prepare failed: ${JSON.stringify(p.events.at(-1))}`);
  return { ...p.result, db: new URL(p.result.dsn).pathname.slice(1) };
}

/** A drop of `db` that waits, once it has been asked for, until the test lets it go on. */
function gatedDrop(t: Test, e: TestEngine, db: string) {
  let asked!: () => void;
  let release!: () => void;
  const dropping = new Promise<void>((r) => {
    asked = r;
  });
  const gate = new Promise<void>((r) => {
    release = r;
  });
  replaceServerMethod(t, e, 'drop', (real) => async (name, force) => {
    if (name === db) {
      asked();
      await gate;
    }
    return real(name, force);
  });
  return { dropping, release };
}

t.test('a copy the pool is dropping is not handed out: the hit gets a live one', async (t) => {
  const e = await testEngine(t, { config: POOL });
  await hit(e); // built
  const { state_id } = await hit(e); // asked again: earns two copies
  await poolOf(e).idle();
  const [oldest, newest] = pooledDbs(e, state_id) as [string, string];
  // A smaller pool keeps the newest copy of each source: the trim drops the oldest, which is
  // also the copy a hand-out takes first. Its drop is held until the hit is done.
  const { dropping, release } = gatedDrop(t, e, oldest);
  poolOf(e).opts.perState = 1;
  poolOf(e).trim();
  await dropping;
  const handed = await hit(e);
  release();
  await poolOf(e).idle();
  t.not(handed.db, oldest, 'the copy being dropped was not handed out');
  t.equal(handed.db, newest, 'the live copy was');
  t.same(
    await query(handed.dsn, 'select count(*)::int as n from t'),
    [{ n: 100 }],
    'the DSN handed out connects',
  );
  t.notOk((await catalogDatabases(e.store.catalogId)).includes(oldest), 'the copy was dropped');
  t.notOk(pooledDbs(e).includes(oldest), 'and is no pool row');
  t.same(unfinishedRecords(e), [], 'no record left pending');
});

t.test('many trims racing hand-outs: every DSN handed out connects', async (t) => {
  const e = await testEngine(t, { config: POOL });
  await hit(e);
  await hit(e);
  await poolOf(e).idle();
  const dsns: string[] = [];
  for (let round = 0; round < 4; round++) {
    // Shrink and grow the pool while hits take copies: trims and refills interleave with
    // hand-outs at whatever points the server's answers fall.
    poolOf(e).opts.perState = round % 2 === 0 ? 1 : 2;
    poolOf(e).trim();
    const hits = await Promise.all([hit(e), hit(e), hit(e)]);
    dsns.push(...hits.map((h) => h.dsn));
  }
  await poolOf(e).idle();
  const dead: string[] = [];
  for (const dsn of dsns)
    await query(dsn, 'select 1').catch((err: Error) => dead.push(`${dsn}: ${err.message}`));
  t.same(dead, [], `all ${dsns.length} DSNs connect`);
  t.same(unfinishedRecords(e), []);
});

import pg from 'pg';
import t from 'tap';
import type { PrepareContext } from '../../../lib/prepare/context.js';
import { stateSource } from '../../../lib/prepare/pool-source.js';
import type { WarmPool } from '../../../lib/prepare/warm-pool.js';
import { type TestEngine, testEngine } from '../../helpers/engine.js';
import { ADMIN_URL, catalogDatabases, query } from '../../helpers/pg.js';
import { prepare, unfinishedRecords } from '../../helpers/prepare.js';
import { tempDir } from '../../helpers/tmp.js';

const SEED = 'create table t(x int); insert into t select generate_series(1, 100)';
const POOL = { warm_pool: { per_state: 2, max_total: 3 } };

function poolOf(e: TestEngine): WarmPool {
  return (e.deps.jobs as unknown as { ctx: PrepareContext }).ctx.warmPool as WarmPool;
}

async function prepared(e: TestEngine, sql: string) {
  const p = await prepare(e, { psql_args: ['-c', sql] });
  if (!p.result) throw new Error(`prepare failed: ${JSON.stringify(p.events.at(-1))}`);
  await poolOf(e).idle();
  return { ...p.result, db: new URL(p.result.dsn).pathname.slice(1) };
}

const pooledDbs = (e: TestEngine, stateId?: string) =>
  e.store.listPooled(stateId).map((r) => r.db_name);

/** Copies of the empty base, which every cold build earns (keyed `base:<resolved image>`). */
const baseCopies = (e: TestEngine) =>
  e.store
    .listPooled()
    .filter((r) => r.state_id.startsWith('base:'))
    .map((r) => r.db_name);

/** Builds a state and asks for it again: the second request earns it warm copies. */
async function warmed(e: TestEngine, sql: string) {
  await prepared(e, sql);
  return prepared(e, sql);
}

t.test('a cache hit gets a pool copy by rename, and the pool refills', async (t) => {
  const e = await testEngine(t, { config: POOL });
  const built = await prepared(e, SEED);
  t.same(pooledDbs(e, built.state_id), [], 'a state just built earns no copies');
  t.equal(baseCopies(e).length, 2, 'the base it was built on does');
  const first = await prepared(e, SEED);
  t.equal(first.state_id, built.state_id);
  const ready = pooledDbs(e, first.state_id);
  t.equal(ready.length, 2, 'two copies made after the first use');
  t.ok(
    ready.every((db) => /^sqlrs_[0-9a-f]{8}_p_[0-9a-f]{16}$/.test(db)),
    'pool copies have their own kind',
  );
  const onServer = await catalogDatabases(e.store.catalogId);
  t.ok(
    ready.every((db) => onServer.includes(db)),
    'and exist on the server',
  );
  const second = await prepared(e, SEED);
  t.equal(second.state_id, first.state_id);
  const after = await catalogDatabases(e.store.catalogId);
  t.notOk(after.includes(ready[0] as string), 'the oldest copy was taken (renamed away)');
  t.ok(after.includes(second.db), 'into the new instance');
  t.same(await query(second.dsn, 'select count(*)::int as n from t'), [{ n: 100 }]);
  await query(second.dsn, 'insert into t values (0)'); // private and writable
  t.equal(pooledDbs(e, first.state_id).length, 2, 'refilled');
  t.same(unfinishedRecords(e), [], 'no record left pending');
  t.equal((await e.get(`/v1/instances/${second.instance_id}`)).json().state_id, first.state_id);
});

t.test('the engine-wide cap: the least recently used state gives way', async (t) => {
  const e = await testEngine(t, { config: POOL });
  const a = await warmed(e, SEED);
  const b = await warmed(e, `${SEED}; create table u(y int)`);
  // Uses, oldest first: a's build (base), a, b's build (base), b. Each refill evicts copies
  // of the least recently used other source: a's went first, then one of the base's.
  t.equal(pooledDbs(e).length, 3, 'never more than max_total');
  t.equal(pooledDbs(e, b.state_id).length, 2, 'the state used last has its copies');
  t.equal(baseCopies(e).length, 1, 'the base, used before it, kept one');
  t.equal(pooledDbs(e, a.state_id).length, 0, 'the least recently used gave way');
  t.equal(
    (await catalogDatabases(e.store.catalogId)).filter((d) => d.includes('_p_')).length,
    3,
    'the evicted copy was dropped from the server',
  );
});

t.test('deleting a state drains its pool', async (t) => {
  const e = await testEngine(t, { config: POOL });
  const a = await warmed(e, SEED);
  const res = await e.call('DELETE', `/v1/states/${a.state_id}?recurse=true&force=true`);
  t.equal(res.status, 200, res.text);
  t.same(pooledDbs(e, a.state_id), []);
  t.same(
    (await catalogDatabases(e.store.catalogId)).sort(),
    baseCopies(e).sort(),
    'copies dropped with the state; the base copies stay',
  );
});

t.test('copies outlive the engine and are handed out after a restart', async (t) => {
  const stateDir = await tempDir(t);
  const first = await testEngine(t, { stateDir, config: POOL });
  const a = await warmed(first, SEED);
  const kept = pooledDbs(first, a.state_id);
  await first.stop();
  const second = await testEngine(t, { stateDir });
  t.same(pooledDbs(second, a.state_id), kept, 'reconciliation kept them');
  const b = await prepared(second, SEED);
  t.notOk(
    (await catalogDatabases(second.store.catalogId)).includes(kept[0] as string),
    'the next prepare took one',
  );
  t.same(await query(b.dsn, 'select count(*)::int as n from t'), [{ n: 100 }]);
});

t.test('reconciliation forgets lost copies and finishes an interrupted hand-out', async (t) => {
  const e = await testEngine(t, { config: POOL });
  const a = await warmed(e, SEED);
  const [lost, handed] = pooledDbs(e, a.state_id) as [string, string];
  await query(ADMIN_URL, `DROP DATABASE "${lost}"`);
  // As if the engine died after recording a hand-out but before the rename.
  await e.store.write((w) => {
    w.removePooled(handed);
    w.addPending({
      op_id: 'handout',
      kind: 'drop',
      image_id: 'postgres',
      db_name: handed,
      target_id: handed,
      job_id: null,
      created_at: new Date().toISOString(),
    });
  });
  const report = await e.deps.deletion.reconcile();
  t.ok(report.forgotten.includes(lost), 'a copy whose database is gone is forgotten');
  t.ok(report.dropped.includes(handed), 'the copy being handed out is dropped');
  t.same(report.unknown, []);
  t.same(pooledDbs(e, a.state_id), []);
  t.same(unfinishedRecords(e), []);
});

t.test('a copy someone holds open cannot be renamed: the prepare clones instead', async (t) => {
  const e = await testEngine(t, { config: POOL });
  const a = await warmed(e, SEED);
  const [held] = pooledDbs(e, a.state_id) as [string];
  const session = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:5432/${held}` });
  session.on('error', () => undefined); // the forced drop ends this session
  await session.connect();
  t.teardown(() => session.end().catch(() => undefined));
  const b = await prepared(e, SEED);
  t.same(await query(b.dsn, 'select count(*)::int as n from t'), [{ n: 100 }]);
  t.notOk(
    (await catalogDatabases(e.store.catalogId)).includes(held),
    'the held copy was dropped, not handed out',
  );
  t.same(unfinishedRecords(e), []);
});

t.test('per_state 0: no pool at all', async (t) => {
  const e = await testEngine(t, { config: { warm_pool: { per_state: 0 } } });
  await prepared(e, SEED);
  await prepared(e, SEED);
  t.same(pooledDbs(e), []);
  t.notOk(
    (await catalogDatabases(e.store.catalogId)).some((d) => d.includes('_p_')),
    'nothing made',
  );
});

t.test('a copy that cannot be made leaves no row and no database behind', async (t) => {
  const e = await testEngine(t, { config: POOL });
  const ctx = (e.deps.jobs as unknown as { ctx: PrepareContext }).ctx;
  const stateId = 'ab'.repeat(32);
  const row = {
    state_id: stateId,
    parent_state_id: null,
    image_id: 'postgres',
    resolved_image_id: 'postgres@15/1',
    prepare_kind: 'psql' as const,
    prepare_args_normalized: '-c x',
    db_name: ctx.names.state(stateId), // never created on the server
    created_at: new Date().toISOString(),
    size_bytes: null,
    last_used_at: null,
  };
  await e.store.write((w) => w.insertState(row));
  const server = ctx.server({ imageId: 'postgres', kind: 'postgres', url: ADMIN_URL });
  poolOf(e).used(stateSource(row), server);
  poolOf(e).used(stateSource(row), server); // already queued: one fill
  await poolOf(e).idle();
  t.same(pooledDbs(e), []);
  t.same(await catalogDatabases(e.store.catalogId), []);
});

t.test('a smaller pool in the config is trimmed to at start, newest copies kept', async (t) => {
  const stateDir = await tempDir(t);
  const first = await testEngine(t, { stateDir, config: POOL });
  const a = await warmed(first, SEED);
  const [, newest] = pooledDbs(first, a.state_id) as [string, string];
  const bases = baseCopies(first);
  t.equal(bases.length, 1, 'the cap (3) left the base one copy');
  await first.stop();
  const smaller = await testEngine(t, {
    stateDir,
    config: { warm_pool: { per_state: 1, max_total: 1 } },
  });
  await poolOf(smaller).idle();
  t.same(pooledDbs(smaller), [newest], 'one copy left: the newest');
  await smaller.stop();
  const off = await testEngine(t, { stateDir, config: { warm_pool: { per_state: 0 } } });
  await poolOf(off).idle();
  t.same(pooledDbs(off), [], 'pool off: no copy left');
  t.same(
    (await catalogDatabases(off.store.catalogId)).filter((d) => d.includes('_p_')),
    [],
    'and none on the server',
  );
});

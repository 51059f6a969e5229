import t from 'tap';
import { type TestEngine, testEngine } from '../../../helpers/engine.js';
import { ADMIN_URL, catalogDatabases, holdClient, query } from '../../../helpers/postgres.js';
import { poolOf, prepare, unfinishedRecords } from '../../../helpers/prepare.js';

// Seeds (lib/prepare/records/recorded-work.ts): the job's first write takes a warm copy of the parent
// of the first step the catalog lacks, and that step's build database is the copy, renamed.
const POOL = { warm_pool: { per_state: 2, max_total: 8 } };

async function prepared(e: TestEngine, ...steps: string[]) {
  const p = await prepare(e, { psql_args: steps.flatMap((s) => ['-c', s]) });
  await poolOf(e).idle();
  return p;
}

async function built(e: TestEngine, ...steps: string[]) {
  const p = await prepared(e, ...steps);
  if (!p.result) throw new Error(`prepare failed: ${JSON.stringify(p.events.at(-1))}`);
  return p.result;
}

const copiesOf = (e: TestEngine, key: (k: string) => boolean) =>
  e.store
    .listPooled()
    .filter((r) => key(r.state_id))
    .map((r) => r.db_name);

/** The oid of a database: a rename keeps it, a clone makes a new one. */
async function oid(db: string): Promise<number | undefined> {
  const rows = await query<{ oid: number }>(
    ADMIN_URL,
    'SELECT oid::int AS oid FROM pg_database WHERE datname = $1',
    [db],
  );
  return rows[0]?.oid;
}

const stateDb = (e: TestEngine, stateId: string) => e.store.getState(stateId)?.db_name as string;

t.test('a cold prepare builds its first step in a copy of the empty base', async (t) => {
  const e = await testEngine(t, { config: POOL });
  await built(e, 'create table a(x int)');
  const bases = copiesOf(e, (k) => k.startsWith('base:'));
  t.equal(bases.length, 2, 'the first cold build earns the base two copies');
  const seedOid = await oid(bases[0] as string);
  const r = await built(e, 'create table b(x int)');
  t.equal(await oid(stateDb(e, r.state_id)), seedOid, 'the oldest copy became the state');
  t.same(await query(r.dsn, 'select count(*)::int as n from b'), [{ n: 0 }]);
  t.same(await query(r.dsn, "select count(*)::int as n from pg_tables where tablename = 'a'"), [
    { n: 0 },
  ]);
  t.equal(copiesOf(e, (k) => k.startsWith('base:')).length, 2, 'and the base was refilled');
  t.same(unfinishedRecords(e), [], 'no record left pending');
});

t.test('a step built on a cached state starts from a copy of it', async (t) => {
  const e = await testEngine(t, { config: POOL });
  const first = await built(e, 'create table a(x int)', 'create table b1(x int)');
  const parentId = e.store.getState(first.state_id)?.parent_state_id as string;
  await built(e, 'create table a(x int)', 'create table b2(x int)');
  const copies = copiesOf(e, (k) => k === parentId);
  t.equal(copies.length, 2, 'building on it again earned the parent copies');
  const seedOid = await oid(copies[0] as string);
  const r = await built(e, 'create table a(x int)', 'create table b3(x int)');
  t.equal(await oid(stateDb(e, r.state_id)), seedOid, 'the copy became the new state');
  t.same(
    await query(r.dsn, "select tablename from pg_tables where tablename in ('a','b1','b2','b3')"),
    [{ tablename: 'a' }, { tablename: 'b3' }],
  );
  t.same(unfinishedRecords(e), []);
});

t.test('a copy taken for a build that never runs is dropped', async (t) => {
  const e = await testEngine(t, { config: POOL });
  // Step A succeeds while the flag database exists, and fails once it is gone.
  const flag = `sqlrs_test_flag_${process.pid}_${Date.now()}`;
  await query(ADMIN_URL, `CREATE DATABASE "${flag}"`);
  t.teardown(() => query(ADMIN_URL, `DROP DATABASE IF EXISTS "${flag}"`));
  const A = `select 1 / count(*)::int from pg_database where datname = '${flag}'`;
  const first = await built(e, A, 'create table b1(x int)');
  const parentId = e.store.getState(first.state_id)?.parent_state_id as string;
  await built(e, A, 'create table b2(x int)');
  const [seed, other] = copiesOf(e, (k) => k === parentId) as [string, string];
  // The parent's database is lost behind the engine's back: the job takes a copy of it for
  // step 2, must build step 1 again first, and that fails.
  const parentDb = stateDb(e, parentId);
  await query(ADMIN_URL, `ALTER DATABASE "${parentDb}" WITH IS_TEMPLATE false`);
  await query(ADMIN_URL, `DROP DATABASE "${parentDb}"`);
  await query(ADMIN_URL, `DROP DATABASE "${flag}"`);
  const failed = await prepared(e, A, 'create table b3(x int)');
  t.equal(failed.job.status, 'failed');
  const left = await catalogDatabases(e.store.catalogId);
  t.notOk(left.includes(seed), 'the copy it took is dropped');
  t.ok(left.includes(other), 'the other copy stays');
  t.same(unfinishedRecords(e), [], 'no record left pending');
});

t.test('a copy someone holds open cannot be renamed: the build clones instead', async (t) => {
  const e = await testEngine(t, { config: POOL });
  await built(e, 'create table a(x int)');
  const [held] = copiesOf(e, (k) => k.startsWith('base:')) as [string];
  const heldOid = await oid(held);
  await holdClient(t, `postgres://postgres@127.0.0.1:5432/${held}`); // the forced drop ends it
  const r = await built(e, 'create table b(x int)');
  t.same(await query(r.dsn, 'select count(*)::int as n from b'), [{ n: 0 }]);
  t.not(await oid(stateDb(e, r.state_id)), heldOid, 'the state was built in a fresh clone');
  t.notOk(
    (await catalogDatabases(e.store.catalogId)).includes(held),
    'the held copy was dropped, not used',
  );
  t.same(unfinishedRecords(e), [], 'no record left pending');
});

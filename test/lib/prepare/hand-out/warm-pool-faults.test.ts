import t from 'tap';
import { imageTarget } from '../../../../lib/config.js';
import { createInstance } from '../../../../lib/prepare/hand-out/instance.js';
import { stateSource } from '../../../../lib/prepare/hand-out/pool-source.js';
import type { StateRow } from '../../../../lib/store/types.js';
import { testEngine } from '../../../helpers/engine.js';
import { mysqlQuery, mysqlSchemas } from '../../../helpers/mysql.js';
import { ADMIN_URL, catalogDatabases, query } from '../../../helpers/postgres.js';
import {
  answersLate,
  contextOf,
  poolOf,
  prepare,
  replaceExisting,
  unfinishedRecords,
} from '../../../helpers/prepare.js';
import { tempDir } from '../../../helpers/tmp.js';
import { unsavable } from '../../../helpers/unsavable.js';

import {
  baseCopies,
  copiesOnServer,
  MYSQL_SEED,
  POOL,
  pooledDbs,
  prepared,
  SEED,
  warmed,
} from '../../../helpers/warm-pool.js';

t.test("a copy dropped behind the engine's back is cloned again under its name", async (t) => {
  const e = await testEngine(t, { config: POOL });
  const a = await warmed(e, SEED);
  const [gone] = pooledDbs(e, a.state_id) as [string];
  await query(ADMIN_URL, `DROP DATABASE "${gone}"`);
  const b = await prepared(e, SEED);
  t.equal(b.db, gone, 'the instance has the name the copy had');
  t.same(await query(b.dsn, 'select count(*)::int as n from t'), [{ n: 100 }], 'and the rows');
  t.same(unfinishedRecords(e), []);
  t.equal(e.store.listInstances({}, { limit: 10 }).length, 3, 'one row per instance');
});

t.test(
  'a copy the server cannot be asked about goes back to the pool; the job fails',
  async (t) => {
    const e = await testEngine(t, { config: POOL });
    const a = await warmed(e, SEED);
    const before = pooledDbs(e, a.state_id);
    const restore = replaceExisting(t, e, () => async () => {
      throw new Error('connection refused');
    });
    const p = await prepare(e, { psql_args: ['-c', SEED] });
    t.equal(p.events.at(-1)?.type, 'error', 'the job failed');
    restore();
    t.same(pooledDbs(e, a.state_id).sort(), before.sort(), 'the copy is a copy again');
    t.equal(e.store.listInstances({}, { limit: 10 }).length, 2, 'no instance recorded for it');
    t.same(unfinishedRecords(e), []);
  },
);

t.test('a hand-out that cannot be saved: the copy is a copy again, in memory too', async (t) => {
  const e = await testEngine(t, { config: POOL });
  const a = await warmed(e, SEED);
  const before = pooledDbs(e, a.state_id);
  // The check answers after the write failed: that failure waited unhandled meanwhile, and
  // ended the engine.
  const restore = replaceExisting(t, e, answersLate(200));
  const disk = unsavable(t, e.stateDir);
  await disk.break();
  const p = await prepare(e, { psql_args: ['-c', SEED] });
  t.match(p.events.at(-1), {
    type: 'error',
    error: {
      code: 'unavailable',
      message: /^cannot save the catalog .*state\.db: a directory is in the way$/,
    },
  });
  t.same(pooledDbs(e, a.state_id).sort(), before.sort(), 'the copy is in the pool, as on disk');
  t.equal(e.store.listInstances({}, { limit: 10 }).length, 2, 'no instance nobody was given');
  t.same(unfinishedRecords(e), []);
  t.equal((await e.get('/v1/health')).status, 200, 'the engine lives on');
  restore();
  await disk.repair();
  const b = await prepared(e, SEED);
  t.ok(before.includes(b.db), 'the copy is handed out once the catalog can be saved');
});

t.test('copies named as earlier engines named them are dropped at start', async (t) => {
  const stateDir = await tempDir(t);
  const first = await testEngine(t, { stateDir, config: POOL });
  const a = await warmed(first, SEED);
  const legacy = `sqlrs_${first.store.catalogId}_p_0123456789abcdef`;
  const stateDb = (first.store.getState(a.state_id) as { db_name: string }).db_name;
  await query(ADMIN_URL, `CREATE DATABASE "${legacy}" TEMPLATE "${stateDb}"`);
  await first.store.write((w) =>
    w.addPooled({
      db_name: legacy,
      state_id: a.state_id,
      image_id: 'postgres',
      created_at: new Date().toISOString(),
    }),
  );
  await first.stop();
  const second = await testEngine(t, { stateDir, config: POOL });
  await poolOf(second).idle();
  t.notOk(pooledDbs(second).includes(legacy), 'its row is gone');
  t.notOk((await catalogDatabases(second.store.catalogId)).includes(legacy), 'and its database');
  t.equal(pooledDbs(second, a.state_id).length, 2, 'the current copies stay');
});

t.test('per_state 0: no pool at all', async (t) => {
  const e = await testEngine(t, { config: { warm_pool: { per_state: 0 } } });
  await prepared(e, SEED);
  await prepared(e, SEED);
  t.same(pooledDbs(e), []);
  t.same(await copiesOnServer(e), [], 'nothing made');
});

t.test('a copy that cannot be made leaves no row and no database behind', async (t) => {
  const e = await testEngine(t, { config: POOL });
  const ctx = contextOf(e);
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
  const server = ctx.servers({ imageId: 'postgres', kind: 'postgres', url: ADMIN_URL });
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
  t.same(await copiesOnServer(off), [], 'and none on the server');
});

t.test('MySQL: a hit takes a copy of its state as it is; bases get none', async (t) => {
  const e = await testEngine(t, { config: POOL });
  const mysqlPrepared = async () => {
    const p = await prepare(e, { prepare_kind: 'mysql', mysql_args: ['-e', MYSQL_SEED] });
    if (!p.result) throw new Error(`prepare failed: ${JSON.stringify(p.events.at(-1))}`);
    await poolOf(e).idle();
    return { ...p.result, db: new URL(p.result.dsn).pathname.slice(1) };
  };
  const built = await mysqlPrepared();
  t.same(pooledDbs(e), [], 'no copies of the base: only builds use them, by rename');
  await mysqlPrepared(); // asked again: the state earns copies
  const ready = pooledDbs(e, built.state_id);
  t.equal(ready.length, 2);
  t.same(
    (await mysqlSchemas(e.store.catalogId)).filter((s) => ready.includes(s)).sort(),
    [...ready].sort(),
    'the copies are schemas on the server',
  );
  const hit = await mysqlPrepared();
  t.equal(hit.db, ready[0], 'the oldest copy became the instance');
  t.same(await mysqlQuery('SELECT COUNT(*) AS n FROM t', [], hit.db), [{ n: 3 }]);
  t.equal(pooledDbs(e, built.state_id).length, 2, 'refilled');
  t.same(unfinishedRecords(e), []);
});

t.test('a cancel while a copy is handed out puts the copy back in the pool', async (t) => {
  const e = await testEngine(t, { config: POOL });
  const { state_id } = await warmed(e, SEED);
  const ctx = contextOf(e);
  const ready = pooledDbs(e, state_id);
  const instances = e.store.catalogDatabases().filter((r) => r.kind === 'instance').length;
  const abort = new AbortController();
  const handing = createInstance(
    ctx,
    ctx.servers(imageTarget(ctx.config, 'postgres')),
    e.store.getState(state_id) as StateRow,
    { jobId: 'j', reused: true, signal: abort.signal },
  );
  abort.abort(); // the hand-out's write is made; its flush is not done yet
  await t.rejects(handing, { code: 'cancelled' });
  t.same(pooledDbs(e, state_id).sort(), [...ready].sort(), 'the copy is a copy again');
  t.equal(e.store.catalogDatabases().filter((r) => r.kind === 'instance').length, instances);
  t.same(await copiesOnServer(e), pooledDbs(e).sort(), 'and still on the server, as every copy');
  t.same(unfinishedRecords(e), []);
});

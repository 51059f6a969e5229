import t from 'tap';
import { PostgresServer } from '../../../../lib/dbms/postgres/server.js';
import { testEngine } from '../../../helpers/engine.js';
import { ADMIN_URL, catalogDatabases, query } from '../../../helpers/postgres.js';
import { unfinishedRecords } from '../../../helpers/prepare.js';
import { tempDir } from '../../../helpers/tmp.js';

import {
  baseCopies,
  copiesOnServer,
  POOL,
  pooledDbs,
  prepared,
  SEED,
  warmed,
} from '../../../helpers/warm-pool.js';

t.test('a cache hit takes a pool copy as its instance, and the pool refills', async (t) => {
  const e = await testEngine(t, { config: POOL });
  const built = await prepared(e, SEED);
  t.same(pooledDbs(e, built.state_id), [], 'a state just built earns no copies');
  t.equal(baseCopies(e).length, 2, 'the base it was built on does');
  const first = await prepared(e, SEED);
  t.equal(first.state_id, built.state_id);
  const ready = pooledDbs(e, first.state_id);
  t.equal(ready.length, 2, 'two copies made after the first use');
  t.ok(
    ready.every((db) => /^sqlrs_[0-9a-f]{8}_i_[0-9a-f]{32}$/.test(db)),
    'pool copies are named as the instances they will be',
  );
  const onServer = await catalogDatabases(e.store.catalogId);
  t.ok(
    ready.every((db) => onServer.includes(db)),
    'and exist on the server',
  );
  const second = await prepared(e, SEED);
  t.equal(second.state_id, first.state_id);
  t.equal(second.db, ready[0], 'the oldest copy was taken as the instance');
  t.equal(second.db, `sqlrs_${e.store.catalogId}_i_${second.instance_id}`);
  t.notOk(pooledDbs(e).includes(second.db), 'and is no longer a copy');
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
  t.equal((await copiesOnServer(e)).length, 3, 'the evicted copy was dropped from the server');
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
  t.equal(b.db, kept[0], 'the next prepare took one');
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

t.test('pool copies are made ahead (durable by their own statement); builds are not', async (t) => {
  const made = new Map<string, boolean>();
  const { cloneInstance, createFrom } = PostgresServer.prototype;
  PostgresServer.prototype.cloneInstance = function (this: PostgresServer, ...args) {
    made.set(args[1], args[4]?.ahead === true);
    return cloneInstance.apply(this, args);
  };
  PostgresServer.prototype.createFrom = function (this: PostgresServer, ...args) {
    made.set(args[0], args[2]?.ahead === true);
    return createFrom.apply(this, args);
  };
  t.teardown(() => {
    PostgresServer.prototype.cloneInstance = cloneInstance;
    PostgresServer.prototype.createFrom = createFrom;
  });
  const e = await testEngine(t, { config: POOL });
  await warmed(e, SEED);
  const copies = pooledDbs(e);
  t.ok(copies.length > 0);
  t.ok(
    copies.every((db) => made.get(db) === true),
    'every copy in the pool (of the state and of the base) was made ahead',
  );
  const builds = [...made.keys()].filter((db) => db.includes('_b_'));
  t.ok(builds.length > 0, 'the first build, with no base copy yet, made its own database');
  t.ok(
    builds.every((db) => made.get(db) === false),
    'a build database made on request is not',
  );
});

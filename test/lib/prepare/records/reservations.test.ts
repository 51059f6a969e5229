import t, { type Test } from 'tap';
import { dbNames } from '../../../../lib/dbms/names.js';
import { type Reservation, Reservations } from '../../../../lib/prepare/records/reservations.js';
import { openSqljsStore } from '../../../../lib/store/sqljs/index.js';
import type { Store } from '../../../../lib/store/types.js';
import { type TestEngine, testEngine } from '../../../helpers/engine.js';
import { ADMIN_URL, catalogDatabases, query } from '../../../helpers/postgres.js';
import { contextOf, prepare, unfinishedRecords } from '../../../helpers/prepare.js';
import { tempDir } from '../../../helpers/tmp.js';

const AT = '2026-01-01T00:00:00.000Z';

async function setUp(t: Test, max?: number) {
  const store = await openSqljsStore({ dir: await tempDir(t) });
  t.teardown(() => store.close());
  const names = dbNames(store.catalogId);
  return {
    store,
    names,
    reservations: new Reservations({ store, names, engineId: 'test-engine' }, max),
  };
}

/** Records a reservation in a durable write and holds it, as a job does. */
async function reserve(store: Store, reservations: Reservations, stateId: string) {
  let r: Reservation | undefined;
  await store.write((w) => {
    r = reservations.record(w, { stateId, imageId: 'postgres' }, AT);
  });
  reservations.hold(r);
  return r;
}

const opIds = (store: Store) => store.listPending().map((p) => p.op_id);

t.test('a reservation is a pending instance record with no job, taken once', async (t) => {
  const { store, names, reservations } = await setUp(t);
  const r = (await reserve(store, reservations, 's1')) as Reservation;
  t.equal(r.db, names.instance(r.instanceId), 'named like any instance');
  t.same(store.listPending(), [
    {
      op_id: r.opId,
      kind: 'instance_create',
      image_id: 'postgres',
      db_name: r.db,
      target_id: r.instanceId,
      job_id: null,
      created_at: AT,
      reason: null,
      engine_id: 'test-engine',
    },
  ]);
  t.same([...reservations.opIds()], [r.opId], 'held: reconciliation leaves it alone');
  t.same(reservations.take('s2'), undefined, 'another state has none');
  t.same(reservations.take('s1'), r);
  t.same(reservations.take('s1'), undefined, 'taken once');
  t.same([...reservations.opIds()], [], 'no longer held: the taker owns its record');
  await store.write((w) => w.claimPending(r.opId, 'job1'));
  t.equal(store.listPending()[0]?.job_id, 'job1', 'claimed by the job that took it');
});

t.test('one reservation per state: a second is not recorded, or released', async (t) => {
  const { store, reservations } = await setUp(t);
  const first = await reserve(store, reservations, 's1');
  await store.write((w) => {
    t.equal(reservations.record(w, { stateId: 's1', imageId: 'postgres' }, AT), undefined);
  });
  // Two jobs that recorded one each before either was held: the second is released.
  reservations.take('s1');
  let a: Reservation | undefined;
  let b: Reservation | undefined;
  await store.write((w) => {
    a = reservations.record(w, { stateId: 's1', imageId: 'postgres' }, AT);
    b = reservations.record(w, { stateId: 's1', imageId: 'postgres' }, AT);
  });
  reservations.hold(a);
  reservations.hold(b);
  t.same([...reservations.opIds()], [a?.opId]);
  t.same(opIds(store).sort(), [first?.opId, a?.opId].sort(), "the second's record is gone");
});

t.test('holding a reservation again is a no-op, even after it was taken', async (t) => {
  const { store, reservations } = await setUp(t);
  const r = await reserve(store, reservations, 's1');
  reservations.hold(r);
  t.same([...reservations.opIds()], [r?.opId], 'still held once');
  t.same(opIds(store), [r?.opId], 'and its record kept');
  t.same(reservations.take('s1'), r);
  reservations.hold(r);
  t.notOk(reservations.has('s1'), 'a taken reservation is never handed out twice');
});

t.test('beyond the cap the least recently held is released', async (t) => {
  const { store, reservations } = await setUp(t, 2);
  const r1 = await reserve(store, reservations, 's1');
  const r2 = await reserve(store, reservations, 's2');
  const r3 = await reserve(store, reservations, 's3');
  t.same([...reservations.opIds()].sort(), [r2?.opId, r3?.opId].sort());
  t.notOk(opIds(store).includes(r1?.opId as string), "the evicted one's record is gone");
});

t.test('forget releases a state’s reservation; close releases all and holds no more', async (t) => {
  const { store, reservations } = await setUp(t);
  await reserve(store, reservations, 's1');
  const r2 = await reserve(store, reservations, 's2');
  reservations.forget('s1');
  reservations.forget('nothing');
  t.same(opIds(store), [r2?.opId]);
  reservations.close();
  t.same(store.listPending(), []);
  await store.write((w) => {
    t.equal(reservations.record(w, { stateId: 's3', imageId: 'postgres' }, AT), undefined);
  });
  t.same([...reservations.opIds()], []);
});

t.test('a reservation held after close is released at once', async (t) => {
  const { store, reservations } = await setUp(t);
  let r: Reservation | undefined;
  await store.write((w) => {
    r = reservations.record(w, { stateId: 's1', imageId: 'postgres' }, AT);
  });
  reservations.close();
  reservations.hold(r);
  reservations.hold(undefined);
  t.same(store.listPending(), []);
});

// Through the engine, on the real server: who records, takes and clears reservations.

const SEED = 'create table t(x int); insert into t select generate_series(1, 10)';

async function prepared(e: TestEngine, sql = SEED) {
  const p = await prepare(e, { psql_args: ['-c', sql] });
  if (!p.result) throw new Error(`prepare failed: ${JSON.stringify(p.events.at(-1))}`);
  await contextOf(e).warmPool?.idle();
  return p.result;
}

/** Drops a state's database behind the engine's back; returns its name. */
async function dropStateDatabase(e: TestEngine, stateId: string): Promise<string> {
  const stateDb = e.store.getState(stateId)?.db_name as string;
  await query(ADMIN_URL, `ALTER DATABASE "${stateDb}" IS_TEMPLATE false`);
  await query(ADMIN_URL, `DROP DATABASE "${stateDb}"`);
  return stateDb;
}

/**
 * The statuses a task went through in a prepare's events. A heartbeat repeats the running
 * task's last event when nothing was said for a while (a busy machine): a task event equal to
 * the task event just before it is that, not a new try.
 */
function statuses(p: Awaited<ReturnType<typeof prepare>>, task: string): string[] {
  const changes = p.events
    .filter((ev) => ev.type === 'task')
    .map((ev) => ev as { task_id: string; status: string })
    .filter(
      (ev, i, all) =>
        i === 0 || ev.task_id !== all[i - 1]?.task_id || ev.status !== all[i - 1]?.status,
    );
  return changes.filter((ev) => ev.task_id === task).map((ev) => ev.status);
}

/** The instance id reserved for the state's next prepare (from its pending record). */
function reservedId(e: TestEngine): string | undefined {
  const held = contextOf(e).reservations?.opIds() ?? new Set<string>();
  return e.store.listPending().find((p) => held.has(p.op_id))?.target_id;
}

t.test('a cache hit gets the instance its previous prepare reserved', async (t) => {
  const e = await testEngine(t);
  const first = await prepared(e);
  const reserved = reservedId(e);
  t.ok(reserved, 'the cold prepare reserved the next instance of its state');
  t.notOk((await catalogDatabases(e.store.catalogId)).some((d) => d.endsWith(`_i_${reserved}`)));
  const hit = await prepared(e);
  t.equal(hit.state_id, first.state_id);
  t.equal(hit.instance_id, reserved, 'the hit took it');
  t.same(await query(hit.dsn, 'select count(*)::int as n from t'), [{ n: 10 }]);
  t.same(unfinishedRecords(e), [], 'its record was cleared');
  t.ok(reservedId(e) && reservedId(e) !== reserved, 'and the hit reserved the next one');
  t.equal((await e.get(`/v1/instances/${hit.instance_id}`)).status, 200);
});

t.test('a warm-pool hand-out takes its copy as it is and keeps the reservation', async (t) => {
  const e = await testEngine(t, { config: { warm_pool: { per_state: 1, max_total: 2 } } });
  await prepared(e);
  const warm = await prepared(e); // asked again: the state earns a copy
  const [copy] = e.store.listPooled(warm.state_id).map((r) => r.db_name) as [string];
  const oid = async (db: string) =>
    (await query(ADMIN_URL, 'SELECT oid::int AS oid FROM pg_database WHERE datname = $1', [db]))[0];
  const copyOid = await oid(copy);
  const reserved = reservedId(e);
  const hit = await prepared(e);
  t.equal(new URL(hit.dsn).pathname.slice(1), copy, 'the copy was made under its name');
  t.same(await oid(copy), copyOid, 'neither renamed nor cloned');
  t.not(hit.instance_id, reserved);
  t.equal(reservedId(e), reserved, 'the reservation is still held, for a clone');
  t.same(unfinishedRecords(e), []);
});

t.test('reconciliation leaves a held reservation; a clean stop releases it', async (t) => {
  const stateDir = await tempDir(t);
  const e = await testEngine(t, { stateDir });
  await prepared(e);
  const reserved = reservedId(e);
  const report = await e.deps.deletion.reconcile();
  t.same([report.dropped, report.unknown], [[], []]);
  t.equal(reservedId(e), reserved, 'still held, its record kept');
  await e.stop('test');
  const store = await openSqljsStore({ dir: stateDir });
  t.same(store.listPending(), [], 'a clean stop leaves no record behind');
  await store.close();
});

t.test('deleting a state releases its reservation', async (t) => {
  const e = await testEngine(t);
  const r = await prepared(e);
  t.ok(reservedId(e));
  const res = await e.call('DELETE', `/v1/states/${r.state_id}?recurse=true&force=true`);
  t.equal(res.status, 200);
  t.same(e.store.listPending(), []);
});

t.test(
  'a reserved hit whose state database is gone runs again, checked, and rebuilds it',
  async (t) => {
    const e = await testEngine(t);
    const first = await prepared(e);
    const stateDb = await dropStateDatabase(e, first.state_id);
    const reserved = reservedId(e);
    const p = await prepare(e, { psql_args: ['-c', SEED] });
    const again = p.result as NonNullable<typeof p.result>;
    t.equal(again.state_id, first.state_id);
    t.not(again.instance_id, reserved, 'the trusted try used the reservation up, and failed');
    t.same(statuses(p, 'prepare-instance'), ['running', 'running', 'succeeded'], 'tried, again');
    t.same(statuses(p, 'execute-0'), ['running', 'succeeded'], 'after the state was built again');
    t.same(await query(again.dsn, 'select count(*)::int as n from t'), [{ n: 10 }]);
    t.ok((await catalogDatabases(e.store.catalogId)).includes(stateDb), 'the state was rebuilt');
    t.same(unfinishedRecords(e), []);
  },
);

t.test(
  'a state removed while a trusted hit is planned: the job plans again, checked',
  async (t) => {
    const e = await testEngine(t);
    const first = await prepared(e);
    await dropStateDatabase(e, first.state_id);
    const reservations = contextOf(e).reservations as Reservations;
    const take = reservations.take.bind(reservations);
    reservations.take = (stateId: string) => {
      reservations.take = take;
      // Between the hit's judgement and its plan, a deletion removes the state's row.
      e.store.commit((w) => w.deleteState(stateId));
      return take(stateId);
    };
    const p = await prepare(e, { psql_args: ['-c', SEED] });
    const again = p.result as NonNullable<typeof p.result>;
    t.equal(again.state_id, first.state_id);
    t.same(statuses(p, 'execute-0'), ['running', 'succeeded'], 'built again, recorded as a build');
    t.same(await query(again.dsn, 'select count(*)::int as n from t'), [{ n: 10 }]);
    t.ok(e.store.getState(first.state_id), 'back in the catalog');
    t.same(unfinishedRecords(e), []);
  },
);

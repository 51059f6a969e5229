import type { Test } from 'tap';
import type { Store } from '../../lib/store/types.js';
import { instanceRow, nameRow, stateRow } from './rows.js';

/** A catalog of a test's own: each open() opens the same catalog again. */
export type CatalogFactory = (t: Test, now?: () => Date) => Promise<{ open: () => Promise<Store> }>;

const T0 = '2026-01-01T00:00:00.000Z';

/**
 * What every Store does, whatever keeps it (test/lib/store/sqljs/index.test.ts and
 * test/lib/store/postgres/index.test.ts run these same cases).
 */
export function storeContract(t: Test, catalog: CatalogFactory): void {
  t.test('rows written, store closed, opened again: rows are there', async (t) => {
    const cat = await catalog(t);
    const store = await cat.open();
    t.match(store.catalogId, /^[0-9a-f]{8}$/);
    t.match(store.lockSecret, /^[0-9a-f]{64}$/);
    const parent = stateRow();
    const child = stateRow({ parent_state_id: parent.state_id, prepare_kind: 'mysql' });
    const inst = instanceRow(child.state_id);
    await store.write((w) => {
      w.insertState(parent);
      w.insertState(child);
      w.insertInstance(inst);
      w.putName(nameRow('dev', inst));
      w.addPending({
        op_id: 'op1',
        kind: 'state_build',
        image_id: 'postgres:15',
        db_name: 'x',
        target_id: parent.state_id,
        job_id: null,
        created_at: T0,
      });
    });
    await store.close();
    const s = await cat.open();
    t.equal(s.catalogId, store.catalogId, 'the catalog id survives a restart');
    t.same(s.getState(parent.state_id), parent);
    t.same(s.childStateIds(parent.state_id), [child.state_id]);
    t.equal(s.stateEntry(child.state_id)?.refcount, 1);
    t.same(s.getInstance(inst.instance_id), inst);
    t.equal(s.instanceEntry(inst.instance_id)?.name, 'dev');
    t.equal(s.nameEntry('dev')?.status, 'active');
    t.equal(s.listPending().length, 1);
    await s.write((w) => {
      w.deleteInstance(inst.instance_id);
      w.removePending('op1');
      w.touchState(parent.state_id, '2026-02-01T00:00:00.000Z');
      w.claimPending('none', 'job');
    });
    t.equal(s.nameEntry('dev')?.status, 'missing', 'a name whose instance is gone is missing');
    t.equal(s.stateEntry(parent.state_id)?.last_used_at, '2026-02-01T00:00:00.000Z');
    t.same(s.listPending(), []);
    await s.close();
  });

  t.test('filters and keyset pages', async (t) => {
    const store = await (await catalog(t)).open();
    t.teardown(() => store.close());
    const states = Array.from({ length: 25 }, (_, i) =>
      stateRow({ prepare_kind: i % 2 ? 'mysql' : 'psql', image_id: i % 5 ? 'pg:15' : 'pg:16' }),
    );
    await store.write((w) => {
      for (const s of states) w.insertState(s);
    });
    const sorted = states.map((s) => s.state_id).sort();
    const page1 = store.listStates({}, { limit: 10 });
    const page2 = store.listStates({}, { limit: 10, after: page1.at(-1)?.state_id });
    t.same(
      [...page1, ...page2].map((s) => s.state_id),
      sorted.slice(0, 20),
    );
    t.equal(store.listStates({ kind: 'mysql' }, { limit: 100 }).length, 12);
    t.equal(store.listStates({ image: 'pg:16' }, { limit: 100 }).length, 5);
    const target = sorted[7] as string;
    t.same(store.stateIdsWithPrefix(target.slice(0, 10), 5), [target]);
    t.equal(store.stateHolds().length, 25);
    t.equal(store.stateHoldsPage({ limit: 10 }).length, 10);
  });

  t.test('recorded bytes per image follow the rows, and a reopened catalog has them', async (t) => {
    const cat = await catalog(t);
    const store = await cat.open();
    const a = stateRow({ image_id: 'pg:15', size_bytes: 1000 });
    const b = stateRow({ image_id: 'pg:15', size_bytes: 300 });
    const unsized = stateRow({ image_id: 'pg:15', size_bytes: null });
    const other = stateRow({ image_id: 'pg:16', size_bytes: 50 });
    const pooled = (db: string, stateId: string, image: string) => ({
      db_name: db,
      state_id: stateId,
      image_id: image,
      created_at: T0,
    });
    await store.write((w) => {
      for (const s of [a, b, unsized, other]) w.insertState(s);
      w.addPooled(pooled('sqlrs_test_copy_a', a.state_id, 'pg:15'));
      w.addPooled(pooled('sqlrs_test_copy_base', 'base:pg:16@16.0/1', 'pg:16'));
    });
    t.same([...store.recordedBytes()].sort(), [
      ['pg:15', 2300],
      ['pg:16', 50],
    ]);
    await store.write((w) => {
      w.deleteState(b.state_id);
      w.removePooled('sqlrs_test_copy_a');
      w.touchState(a.state_id, T0);
    });
    t.same([...store.recordedBytes()].sort(), [
      ['pg:15', 1000],
      ['pg:16', 50],
    ]);
    await store.close();
    const again = await cat.open();
    t.teardown(() => again.close());
    t.same([...again.recordedBytes()].sort(), [
      ['pg:15', 1000],
      ['pg:16', 50],
    ]);
  });

  t.test('expired instances and names; expiry candidates', async (t) => {
    const store = await (await catalog(t, () => new Date('2026-06-01T00:00:00.000Z'))).open();
    t.teardown(() => store.close());
    const s = stateRow();
    const old = instanceRow(s.state_id, { expires_at: '2026-05-01T00:00:00.000Z' });
    const plain = instanceRow(s.state_id);
    await store.write((w) => {
      w.insertState(s);
      w.insertInstance(old);
      w.insertInstance(plain);
      w.putName(nameRow('old', old));
    });
    t.equal(store.instanceEntry(old.instance_id)?.status, 'expired');
    t.equal(store.instanceEntry(plain.instance_id)?.status, 'orphaned');
    t.equal(store.nameEntry('old')?.status, 'expired');
    t.equal(store.listInstances({ statePrefix: s.state_id.slice(0, 8) }, { limit: 10 }).length, 2);
    t.equal(store.listNames({ instancePrefix: old.instance_id }, { limit: 10 }).length, 1);
    t.same(
      store.expiryCandidates('2026-06-01T00:00:00.000Z').map((c) => c.instance_id),
      [old.instance_id],
    );
    t.equal(store.instanceCounts().get(old.image_id), 2);
    t.ok(store.recordsDatabase(old.db_name));
  });

  t.test('renew, touch (sliding expiry, never back) and hand-out', async (t) => {
    const cat = await catalog(t);
    const store = await cat.open();
    const s = stateRow();
    const fixed = instanceRow(s.state_id, { expires_at: '2026-01-01T00:00:10.000Z' });
    const sliding = instanceRow(s.state_id, {
      expires_at: '2026-01-01T00:01:00.000Z',
      idle_ttl_seconds: 60,
    });
    const renewed = instanceRow(s.state_id, {
      expires_at: '2026-01-01T00:01:00.000Z',
      idle_ttl_seconds: 60,
    });
    await store.write((w) => {
      w.insertState(s);
      w.insertInstance(fixed);
      w.insertInstance(sliding);
      w.insertInstance(renewed);
      w.renewInstance(renewed.instance_id, '2026-01-05T00:00:00.000Z', T0);
    });
    const at = '2026-01-01T00:00:30.500Z';
    await store.write((w) =>
      w.touchInstances([fixed.instance_id, sliding.instance_id, renewed.instance_id], at),
    );
    await store.write((w) => w.handOutInstance(fixed.instance_id, at, '2026-01-01T00:03:40.000Z'));
    await store.close();
    // Read back after a reopen: what the durable copy holds, not only the memory.
    const again = await cat.open();
    t.teardown(() => again.close());
    t.match(again.getInstance(fixed.instance_id), {
      created_at: at,
      last_used_at: at,
      expires_at: '2026-01-01T00:03:40.000Z',
    });
    t.equal(again.getInstance(sliding.instance_id)?.expires_at, '2026-01-01T00:01:30.500Z');
    t.equal(again.getInstance(renewed.instance_id)?.expires_at, '2026-01-05T00:00:00.000Z');
  });

  t.test('a failed write rolls back and changes nothing', async (t) => {
    const store = await (await catalog(t)).open();
    const s = stateRow();
    await store.write((w) => w.insertState(s));
    await t.rejects(
      store.write((w) => {
        w.insertState(stateRow());
        w.insertState(s); // duplicate key
      }),
    );
    await t.rejects(
      store.write(() => {
        throw new Error('no');
      }),
      /no/,
    );
    t.equal(store.listStates({}, { limit: 10 }).length, 1);
    await store.close();
    await t.rejects(
      store.write(() => undefined),
      /closed/,
    );
  });

  t.test('writes that arrive together all land', async (t) => {
    const cat = await catalog(t);
    const store = await cat.open();
    await Promise.all(
      Array.from({ length: 30 }, () => store.write((w) => w.insertState(stateRow()))),
    );
    t.equal(store.listStates({}, { limit: 100 }).length, 30);
    await store.close();
    const again = await cat.open();
    t.equal(again.listStates({}, { limit: 100 }).length, 30, 'every answered write is kept');
    await again.close();
  });

  t.test('warm-pool rows: added, listed, removed, known as databases', async (t) => {
    const cat = await catalog(t);
    const store = await cat.open();
    const s = stateRow();
    const row = (db: string, state: string, at: string) => ({
      db_name: db,
      state_id: state,
      image_id: 'postgres',
      created_at: at,
    });
    await store.write((w) => {
      w.insertState(s);
      w.addPooled(row('p2', s.state_id, '2026-01-01T00:00:02.000Z'));
      w.addPooled(row('p1', s.state_id, '2026-01-01T00:00:01.000Z'));
      w.addPooled({ ...row('p3', 'other', '2026-01-01T00:00:03.000Z'), access: 'restricted' });
    });
    t.same(
      store.listPooled(s.state_id).map((r) => r.db_name),
      ['p1', 'p2'],
    );
    t.same(
      store
        .catalogDatabases()
        .filter((d) => d.kind === 'pool')
        .map((d) => d.db_name)
        .sort(),
      ['p1', 'p2', 'p3'],
    );
    await store.write((w) => w.removePooled('p1'));
    await store.close();
    const again = await cat.open();
    t.same(
      again.listPooled().map((r) => [r.db_name, r.access]),
      [
        ['p2', 'admin'],
        ['p3', 'restricted'],
      ],
    );
    await again.close();
  });

  t.test('commit() is visible at once, durable with the next write or close', async (t) => {
    const cat = await catalog(t);
    const store = await cat.open();
    const [a, b, c] = [stateRow(), stateRow(), stateRow()];
    const gen = store.generation;
    store.commit((w) => w.insertState(a));
    t.equal(store.generation, gen + 1, 'a commit is a new generation');
    t.ok(store.getState(a.state_id), 'visible at once');
    await store.write((w) => w.insertState(b));
    store.commit((w) => w.insertState(c));
    await store.close();
    const again = await cat.open();
    t.ok(again.getState(a.state_id), 'the write took the commit along');
    t.ok(again.getState(c.state_id), 'close flushed the last commit');
    await again.close();
  });

  t.test('an instance whose instance_create record is pending is not shown', async (t) => {
    const store = await (await catalog(t)).open();
    t.teardown(() => store.close());
    const s = stateRow();
    const inst = instanceRow(s.state_id);
    await store.write((w) => {
      w.insertState(s);
      w.insertInstance(inst);
      w.putName(nameRow('making', inst));
      w.addPending({
        op_id: 'mk',
        kind: 'instance_create',
        image_id: inst.image_id,
        db_name: inst.db_name,
        target_id: inst.instance_id,
        job_id: null,
        created_at: inst.created_at,
      });
    });
    t.ok(store.getInstance(inst.instance_id), 'the engine itself sees the row');
    t.equal(store.instanceEntry(inst.instance_id), undefined);
    t.same(store.instancesOfState(s.state_id), []);
    t.equal(store.nameEntry('making'), undefined);
    const before = store.generation;
    store.commit((w) => w.removePending('mk'));
    t.same([...(store.statesChangedSince(before) ?? [])], [s.state_id], 'changed states');
    t.equal(store.stateEntry(s.state_id)?.refcount, 1);
    t.equal(store.nameEntry('making')?.status, 'active');
    await store.flush();
  });
}

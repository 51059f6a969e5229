import t, { type Test } from 'tap';
import { openSqljsStore } from '../../../../lib/store/sqljs/index.js';
import { instanceRow, stateRow } from '../../../helpers/rows.js';
import { tempDir } from '../../../helpers/tmp.js';

async function openStore(t: Test) {
  const store = await openSqljsStore({ dir: await tempDir(t) });
  t.teardown(() => store.close());
  return store;
}

t.test('each commit notes the states whose entries it changed', async (t) => {
  const store = await openStore(t);
  const [a, b] = [stateRow(), stateRow()];
  const inst = instanceRow(a.state_id);
  const changes = (fn: Parameters<typeof store.commit>[0]) => {
    const before = store.generation;
    store.commit(fn);
    return [...(store.statesChangedSince(before) ?? ['unknown'])].sort();
  };
  t.same(
    changes((w) => {
      w.insertState(a);
      w.insertState(b);
    }),
    [a.state_id, b.state_id].sort(),
    'inserted rows',
  );
  t.same(
    changes((w) => w.touchState(b.state_id, '2030-01-01T00:00:00.000Z')),
    [b.state_id],
    'a row updated',
  );
  const record = {
    op_id: 'op1',
    kind: 'instance_create' as const,
    image_id: inst.image_id,
    db_name: inst.db_name,
    target_id: inst.instance_id,
    job_id: null,
    created_at: inst.created_at,
  };
  t.same(
    changes((w) => w.insertInstance(inst)),
    [a.state_id],
    'an instance: refcount',
  );
  t.same(
    changes((w) => w.addPending(record)),
    [a.state_id],
    'its record hides it',
  );
  t.same(
    changes((w) => w.claimPending('op1', 'job1')),
    [a.state_id],
    'the record claimed',
  );
  t.same(
    changes((w) => w.removePending('op1')),
    [a.state_id],
    'the record done: it shows',
  );
  t.same(
    changes((w) => w.deleteInstance(inst.instance_id)),
    [a.state_id],
    'instance gone',
  );
  t.same(
    changes((w) => w.deleteState(a.state_id)),
    [a.state_id],
    'a row deleted',
  );
  t.same(
    changes((w) =>
      w.addPooled({ db_name: 'p1', state_id: b.state_id, image_id: 'x', created_at: 'now' }),
    ),
    [],
    'the warm pool is not part of an entry',
  );
});

t.test('the notes of several commits add up; a rolled back one notes nothing', async (t) => {
  const store = await openStore(t);
  const [a, b, c] = [stateRow(), stateRow(), stateRow()];
  const start = store.generation;
  await store.write((w) => w.insertState(a));
  const middle = store.generation;
  await store.write((w) => w.insertState(b));
  t.throws(() =>
    store.commit((w) => {
      w.insertState(c);
      throw new Error('no');
    }),
  );
  t.same([...(store.statesChangedSince(start) ?? [])].sort(), [a.state_id, b.state_id].sort());
  t.same([...(store.statesChangedSince(middle) ?? [])], [b.state_id]);
  t.same([...(store.statesChangedSince(store.generation) ?? ['unknown'])], []);
  await store.write((w) => w.insertState(c));
  t.same([...(store.statesChangedSince(middle + 1) ?? [])], [c.state_id], 'no leftover note');
});

t.test('a generation further back than the log reaches is not known', async (t) => {
  const store = await openStore(t);
  const start = store.generation;
  const s = stateRow();
  store.commit((w) => w.insertState(s));
  for (let i = 0; i < 1100; i++) store.commit((w) => w.touchState(s.state_id, String(i)));
  t.equal(store.statesChangedSince(start), undefined, 'forgotten: render again');
  t.same(
    [...(store.statesChangedSince(store.generation - 5) ?? [])],
    [s.state_id],
    'recent: known',
  );
  await store.flush();
});

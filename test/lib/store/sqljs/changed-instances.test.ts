import t, { type Test } from 'tap';
import { openSqljsStore } from '../../../../lib/store/sqljs/index.js';
import type { StoreWriter } from '../../../../lib/store/types.js';
import { instanceRow, nameRow, stateRow } from '../../../helpers/rows.js';
import { tempDir } from '../../../helpers/tmp.js';

async function openStore(t: Test) {
  const store = await openSqljsStore({ dir: await tempDir(t) });
  t.teardown(() => store.close());
  return store;
}

t.test('each commit notes the instances whose entries it changed', async (t) => {
  const store = await openStore(t);
  const state = stateRow();
  const [a, b] = [instanceRow(state.state_id), instanceRow(state.state_id)];
  const changes = (fn: (w: StoreWriter) => void) => {
    const before = store.generation;
    store.commit(fn);
    return [...(store.instancesChangedSince?.(before) ?? ['unknown'])].sort();
  };
  t.same(
    changes((w) => w.insertState(state)),
    [],
    'a state is no instance',
  );
  t.same(
    changes((w) => {
      w.insertInstance(a);
      w.insertInstance(b);
    }),
    [a.instance_id, b.instance_id].sort(),
    'rows inserted',
  );
  const record = {
    op_id: 'op1',
    kind: 'instance_create' as const,
    image_id: a.image_id,
    db_name: a.db_name,
    target_id: a.instance_id,
    job_id: null,
    created_at: a.created_at,
  };
  t.same(
    changes((w) => w.addPending(record)),
    [a.instance_id],
    'its record hides it',
  );
  t.same(
    changes((w) => w.claimPending('op1', 'job1')),
    [a.instance_id],
    'the record claimed',
  );
  t.same(
    changes((w) => w.removePending('op1')),
    [a.instance_id],
    'the record done: it shows',
  );
  t.same(
    changes((w) =>
      w.addPending({ ...record, op_id: 'op2', kind: 'drop', target_id: a.instance_id }),
    ),
    [],
    'a record of another kind is about no instance',
  );
  t.same(
    changes((w) => w.putName(nameRow('dev', b))),
    [b.instance_id],
    'named',
  );
  t.same(
    changes((w) => w.putName(nameRow('dev', a))),
    [a.instance_id, b.instance_id].sort(),
    'the name moved: both entries',
  );
  t.same(
    changes((w) => w.deleteName('dev')),
    [a.instance_id],
    'unnamed',
  );
  t.same(
    changes((w) =>
      w.renewInstance(b.instance_id, '2030-01-01T00:00:00.000Z', '2029-01-01T00:00:00.000Z'),
    ),
    [b.instance_id],
    'renewed',
  );
  t.same(
    changes((w) => w.deleteInstance(a.instance_id)),
    [a.instance_id],
    'deleted',
  );
  t.same(
    changes((w) =>
      w.addPooled({ db_name: 'p1', state_id: state.state_id, image_id: 'x', created_at: 'now' }),
    ),
    [],
    'the warm pool is not part of an entry',
  );
});

t.test('rolled back commits note nothing; old generations are forgotten', async (t) => {
  const store = await openStore(t);
  const state = stateRow();
  const inst = instanceRow(state.state_id);
  const start = store.generation;
  await store.write((w) => w.insertState(state));
  t.throws(() =>
    store.commit((w) => {
      w.insertInstance(inst);
      throw new Error('no');
    }),
  );
  t.same([...(store.instancesChangedSince?.(start) ?? ['unknown'])], [], 'nothing');
  await store.write((w) => w.insertInstance(inst));
  for (let i = 0; i < 1100; i++)
    store.commit((w) => w.touchInstances([inst.instance_id], `2027-01-01T00:00:${i}`));
  t.equal(store.instancesChangedSince?.(start), undefined, 'forgotten: render again');
  t.same([...(store.instancesChangedSince?.(store.generation - 3) ?? [])], [inst.instance_id]);
  await store.flush();
});

t.test('instances whose expiry lies between two times, through the expiry index', async (t) => {
  const store = await openStore(t);
  const state = stateRow();
  const at = (s: number) => new Date(Date.UTC(2027, 0, 1, 0, 0, s)).toISOString();
  const rows = [1, 2, 3, 4].map((s) => instanceRow(state.state_id, { expires_at: at(s) }));
  const never = instanceRow(state.state_id);
  await store.write((w) => {
    w.insertState(state);
    for (const r of [...rows, never]) w.insertInstance(r);
  });
  const between = (a: number, b: number, limit = 10) =>
    (store.instancesExpiringBetween?.(at(a), at(b), limit) ?? []).sort();
  const ids = (...i: number[]) =>
    i.map((k) => (rows[k] as { instance_id: string }).instance_id).sort();
  t.same(between(1, 3), ids(1, 2), 'after the first time, up to and with the second');
  t.same(between(0, 9), ids(0, 1, 2, 3));
  t.same(between(3, 3), [], 'an empty span');
  t.equal(between(0, 9, 2).length, 2, 'at most the limit');
});

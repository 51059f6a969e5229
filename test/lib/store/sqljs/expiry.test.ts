import t from 'tap';
import { openSqljsStore } from '../../../../lib/store/sqljs/index.js';
import { instanceRow, nameRow, stateRow } from '../../../helpers/rows.js';
import { tempDir } from '../../../helpers/tmp.js';

const T0 = '2026-01-01T00:00:00.000Z';

t.test(
  'candidates: due instances and sliding ones, in one query; pending ones left out',
  async (t) => {
    const store = await openSqljsStore({ dir: await tempDir(t), now: () => new Date(T0) });
    t.teardown(() => store.close());
    const s = stateRow();
    const due = instanceRow(s.state_id, { instance_id: 'a'.repeat(32), expires_at: T0 });
    const later = instanceRow(s.state_id, {
      instance_id: 'b'.repeat(32),
      expires_at: '2026-01-02T00:00:00.000Z',
    });
    const sliding = instanceRow(s.state_id, {
      instance_id: 'c'.repeat(32),
      expires_at: '2026-01-02T00:00:00.000Z',
      idle_ttl_seconds: 86400,
    });
    const never = instanceRow(s.state_id, { instance_id: 'd'.repeat(32) });
    const making = instanceRow(s.state_id, { instance_id: 'e'.repeat(32), expires_at: T0 });
    await store.write((w) => {
      w.insertState(s);
      for (const r of [due, later, sliding, never, making]) w.insertInstance(r);
      w.addPending({
        op_id: 'op1',
        kind: 'instance_create',
        image_id: making.image_id,
        db_name: making.db_name,
        target_id: making.instance_id,
        job_id: 'j',
        created_at: T0,
      });
    });
    t.same(
      store.expiryCandidates(T0).map((r) => r.instance_id),
      [due.instance_id, sliding.instance_id],
    );
    t.equal(store.instanceEntry(due.instance_id)?.status, 'expired');
    t.equal(store.instanceEntry(later.instance_id)?.status, 'orphaned');
    t.equal(
      store.getInstance(due.instance_id)?.last_used_at,
      due.created_at,
      'made counts as used',
    );
  },
);

t.test('renew sets the expiry; a touch slides only a sliding expiry, never back', async (t) => {
  const store = await openSqljsStore({ dir: await tempDir(t), now: () => new Date(T0) });
  t.teardown(() => store.close());
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
    w.putName(nameRow('dev', fixed));
    w.renewInstance(renewed.instance_id, '2026-01-05T00:00:00.000Z', T0);
  });
  const at = '2026-01-01T00:00:30.500Z';
  await store.write((w) =>
    w.touchInstances([fixed.instance_id, sliding.instance_id, renewed.instance_id], at),
  );
  const fixedRow = store.getInstance(fixed.instance_id);
  t.equal(fixedRow?.expires_at, '2026-01-01T00:00:10.000Z', 'a fixed expiry does not slide');
  t.equal(fixedRow?.last_used_at, at);
  t.equal(store.getInstance(sliding.instance_id)?.expires_at, '2026-01-01T00:01:30.500Z');
  t.equal(
    store.getInstance(renewed.instance_id)?.expires_at,
    '2026-01-05T00:00:00.000Z',
    'a longer lease is not cut short by a touch',
  );
  t.equal(store.nameEntry('dev')?.status, 'active');
});

t.test('a name whose instance expired says so', async (t) => {
  const store = await openSqljsStore({ dir: await tempDir(t), now: () => new Date(T0) });
  t.teardown(() => store.close());
  const s = stateRow();
  const inst = instanceRow(s.state_id, { expires_at: T0, idle_ttl_seconds: 5 });
  await store.write((w) => {
    w.insertState(s);
    w.insertInstance(inst);
    w.putName(nameRow('gone-soon', inst));
  });
  t.equal(store.nameEntry('gone-soon')?.status, 'expired');
  t.equal(store.instanceEntry(inst.instance_id)?.status, 'expired');
});

t.test('a hand-out starts the instance life: created_at, last use and expiry', async (t) => {
  const store = await openSqljsStore({ dir: await tempDir(t), now: () => new Date(T0) });
  t.teardown(() => store.close());
  const s = stateRow();
  const i = instanceRow(s.state_id, { expires_at: '2026-01-01T00:02:00.000Z' });
  const at = '2026-01-01T00:01:40.000Z';
  await store.write((w) => {
    w.insertState(s);
    w.insertInstance(i);
  });
  await store.write((w) => w.handOutInstance(i.instance_id, at, '2026-01-01T00:03:40.000Z'));
  t.match(store.getInstance(i.instance_id), {
    created_at: at,
    last_used_at: at,
    expires_at: '2026-01-01T00:03:40.000Z',
  });
});

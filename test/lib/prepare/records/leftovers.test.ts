import t, { type Test } from 'tap';
import { imageTarget } from '../../../../lib/config.js';
import { sqlrsError } from '../../../../lib/errors.js';
import { newInstanceId } from '../../../../lib/id.js';
import { stateSource } from '../../../../lib/prepare/hand-out/pool-source.js';
import { dropLeftovers } from '../../../../lib/prepare/records/leftovers.js';
import { type TestEngine, testEngine } from '../../../helpers/engine.js';
import { ADMIN_URL, catalogDatabases, query } from '../../../helpers/postgres.js';
import {
  contextOf,
  poolOf,
  prepare,
  replaceServerMethod,
  unfinishedRecords,
} from '../../../helpers/prepare.js';

const serverOf = (e: TestEngine) => {
  const ctx = contextOf(e);
  return ctx.servers(imageTarget(ctx.config, 'postgres'));
};

/** The server went down with the work: instance databases cannot be dropped. */
const dropsOfInstancesFail = (t: Test, e: TestEngine) =>
  replaceServerMethod(t, e, 'drop', (real) => async (db, force) => {
    if (db.includes('_i_')) throw sqlrsError('unavailable', 'database server unavailable');
    return real(db, force);
  });

/** A clone that fails once it made its database (as a MySQL copy failing halfway). */
const clonesFailLate = (t: Test, e: TestEngine) =>
  replaceServerMethod(t, e, 'cloneInstance', (real) => async (from, to, size) => {
    await real(from, to, size);
    throw sqlrsError('unavailable', 'database server unavailable');
  });

/** Drop records left for reconciliation, and what it then drops. */
async function leftToReconciliation(t: Test, e: TestEngine, restore: () => void) {
  const left = e.store.listPending().filter((p) => p.kind === 'drop');
  t.equal(left.length, 1, 'a drop is recorded');
  const db = left[0]?.db_name as string;
  t.ok((await catalogDatabases(e.store.catalogId)).includes(db), 'for the database left');
  restore();
  const report = await e.deps.deletion.reconcile();
  t.same(report.dropped, [db], 'reconciliation drops it (not left as an unknown database)');
  t.same(report.unknown, []);
  t.same(unfinishedRecords(e), []);
}

t.test('direct: drops what it can, and records a drop for the rest', async (t) => {
  const e = await testEngine(t);
  const ctx = contextOf(e);
  const names = [newInstanceId(), newInstanceId()].map((id) => ctx.names.instance(id));
  for (const db of names) await query(ADMIN_URL, `CREATE DATABASE "${db}"`);
  const none = await dropLeftovers(ctx, serverOf(e), 'postgres', [names[0] as string]);
  await e.store.write(none);
  t.same(e.store.listPending(), [], 'nothing to record when the drop worked');
  t.notOk((await catalogDatabases(e.store.catalogId)).includes(names[0] as string));
  dropsOfInstancesFail(t, e);
  const some = await dropLeftovers(ctx, serverOf(e), 'postgres', [names[1] as string]);
  await e.store.write(some);
  t.match(e.store.listPending(), [
    { kind: 'drop', image_id: 'postgres', db_name: names[1], target_id: names[1], job_id: null },
  ]);
});

t.test(
  'an instance clone that fails and cannot be dropped is left to reconciliation',
  async (t) => {
    const e = await testEngine(t);
    clonesFailLate(t, e);
    const restore = dropsOfInstancesFail(t, e);
    const done = await prepare(e, { psql_args: ['-c', 'create table inst(x int)'] });
    t.equal(done.job.status, 'failed');
    const instances = e.store.catalogDatabases().filter((d) => d.kind === 'instance');
    t.same(instances, [], 'no instance recorded');
    await leftToReconciliation(t, e, restore);
  },
);

t.test('a warm copy that fails and cannot be dropped is left to reconciliation', async (t) => {
  const e = await testEngine(t, { config: { warm_pool: { per_state: 1, max_total: 3 } } });
  const done = await prepare(e, { psql_args: ['-c', 'create table warm(x int)'] });
  await poolOf(e).idle();
  const state = e.store.getState(done.result?.state_id as string);
  if (!state) throw new Error('no state');
  clonesFailLate(t, e);
  const restore = dropsOfInstancesFail(t, e);
  const before = e.store.listPooled().length;
  poolOf(e).used(stateSource(state), serverOf(e));
  await poolOf(e).idle();
  t.equal(e.store.listPooled().length, before, 'the failed copy is not in the pool');
  await leftToReconciliation(t, e, restore);
});

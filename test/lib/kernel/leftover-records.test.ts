import t, { type Test } from 'tap';
import { imageTarget } from '../../../lib/config.js';
import { newJobId } from '../../../lib/id.js';
import { createKernel } from '../../../lib/kernel/kernel.js';
import { isLeftoverDrop, isLive, resolveLeftover } from '../../../lib/kernel/leftover-records.js';
import { openSqljsStore } from '../../../lib/store/sqljs/index.js';
import type { PendingRow } from '../../../lib/store/types.js';
import { trustSettings } from '../../../lib/trust.js';
import { ADMIN_URL, catalogDatabases, dropPostgresCatalog, query } from '../../helpers/postgres.js';
import { hex, stateRow } from '../../helpers/rows.js';
import { tempDir } from '../../helpers/tmp.js';

const record = (over: Partial<PendingRow>): PendingRow => ({
  op_id: hex(8),
  kind: 'drop',
  image_id: 'postgres',
  db_name: 'sqlrs_00000000_b_x_0',
  target_id: 'x',
  job_id: null,
  created_at: '2026-01-01T00:00:00.000Z',
  reason: 'leftover',
  ...over,
});

t.test('which drop records are leftovers', async (t) => {
  t.ok(isLeftoverDrop(record({})));
  t.ok(isLeftoverDrop(record({ reason: undefined, target_id: 'db', db_name: 'db' })), 'older');
  t.notOk(isLeftoverDrop(record({ reason: undefined })), 'older, naming what it deletes');
  t.notOk(isLeftoverDrop(record({ reason: 'delete' })));
  t.notOk(isLeftoverDrop(record({ kind: 'state_build' })));
});

async function setUp(t: Test) {
  const store = await openSqljsStore({ dir: await tempDir(t) });
  const config = { images: { postgres: ADMIN_URL } };
  const owned = createKernel({
    store,
    config,
    trust: trustSettings(config, 'loopback'),
    clock: () => new Date(),
    logger: { info: () => undefined, error: () => undefined },
  });
  t.teardown(async () => {
    await owned.close();
    await dropPostgresCatalog(store.catalogId);
    await store.close();
  });
  const { kernel } = owned;
  return { kernel, store, server: kernel.servers(imageTarget(config, 'postgres')) };
}

t.test('a leftover is dropped and its record cleared; a live one is kept', async (t) => {
  const { kernel, store, server } = await setUp(t);
  const stateId = hex(32);
  const left = kernel.names.build(newJobId(), 0);
  const live = kernel.names.state(stateId);
  for (const db of [left, live]) await query(ADMIN_URL, `CREATE DATABASE "${db}"`);
  await store.write((w) => w.insertState(stateRow({ state_id: stateId, db_name: live })));
  const a = record({ db_name: left, target_id: stateId });
  const b = record({ db_name: live, target_id: stateId });
  await store.write((w) => {
    w.addPending(a);
    w.addPending(b);
  });
  // A point lookup: resolving a record never reads every database the catalog knows.
  const whole = store.catalogDatabases;
  (store as { catalogDatabases: typeof whole }).catalogDatabases = () => {
    throw new Error('a whole-catalog read');
  };
  t.teardown(() => {
    (store as { catalogDatabases: typeof whole }).catalogDatabases = whole;
  });
  t.notOk(isLive(kernel, left));
  t.ok(isLive(kernel, live));
  t.equal(await resolveLeftover(kernel, server, a), left, 'dropped');
  t.equal(await resolveLeftover(kernel, server, b), undefined, 'live: kept');
  t.same(await catalogDatabases(store.catalogId), [live]);
  t.same(store.listPending(), [], 'both records cleared');
  t.equal(await resolveLeftover(kernel, server, a), undefined, 'a record resolved already');
  t.equal(kernel.locks.size, 0, 'the state lock is released');
});

import t from 'tap';
import { holdingsByServer } from '../../../lib/lifecycle/usage.js';
import { openSqljsStore } from '../../../lib/store/sqljs/index.js';
import type { Page, Store } from '../../../lib/store/types.js';
import { instanceRow, stateRow } from '../../helpers/rows.js';
import { tempDir } from '../../helpers/tmp.js';

t.test('holdings: states read by page, other work runs between pages', async (t) => {
  const store = await openSqljsStore({ dir: await tempDir(t) });
  t.teardown(() => store.close());
  const pg = Array.from({ length: 5 }, () => stateRow({ image_id: 'postgres' }));
  const my = stateRow({ image_id: 'mysql' });
  const gone = stateRow({ image_id: 'not-configured:1' });
  await store.write((w) => {
    for (const s of [...pg, my, gone]) w.insertState(s);
    w.insertInstance(instanceRow(my.state_id, { image_id: 'mysql' }));
  });
  // Each page read, and each turn of other work, noted in the order they happen.
  const events: string[] = [];
  const read = store.stateHoldsPage.bind(store);
  (store as { stateHoldsPage: Store['stateHoldsPage'] }).stateHoldsPage = (page: Page) => {
    events.push('page');
    setImmediate(() => events.push('other work'));
    return read(page);
  };
  const holdings = await holdingsByServer(store, {}, 3);
  t.same(events.slice(0, 5), ['page', 'other work', 'page', 'other work', 'page']);
  const byKind = new Map(holdings.map((h) => [h.target.kind, h]));
  t.same(
    byKind.get('postgres')?.states.map((s) => s.state_id),
    pg.map((s) => s.state_id).sort(),
    'every state of the server, in key order',
  );
  t.same(
    byKind.get('mysql')?.states.map((s) => [s.state_id, s.instances]),
    [[my.state_id, 1]],
  );
  t.equal(byKind.get('mysql')?.instanceCount, 1);
  t.equal(holdings.length, 2, 'an image no longer configured is left out');
});

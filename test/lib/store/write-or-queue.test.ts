import t from 'tap';
import { openPostgresStore } from '../../../lib/store/postgres/index.js';
import { writeOrQueue } from '../../../lib/store/write-or-queue.js';
import { cutProxy } from '../../helpers/cut-proxy.js';
import { pgCatalog } from '../../helpers/pg-catalog.js';
import { query } from '../../helpers/postgres.js';
import { stateRow } from '../../helpers/rows.js';
import { until } from '../../helpers/until.js';

t.test('a shared catalog away: the change fails the caller, then lands by itself', async (t) => {
  const proxy = await cutProxy(t);
  const cat = await pgCatalog(t);
  const store = await openPostgresStore({ url: proxy.url(cat.db) });
  t.teardown(() => store.close().catch(() => undefined));
  const row = stateRow();
  await store.write((w) => w.insertState(row));
  const inCatalog = async () =>
    (await query(cat.url, 'SELECT 1 FROM sqlrs_catalog.states WHERE state_id = $1', [row.state_id]))
      .length;

  proxy.down();
  await t.rejects(
    writeOrQueue(store, (w) => w.deleteState(row.state_id)),
    { code: 'unavailable' },
    'the caller learns the catalog is away',
  );
  t.equal(store.getState(row.state_id), undefined, 'gone from the replica at once');
  t.equal(await inCatalog(), 1, 'still in PostgreSQL while it is away');
  proxy.up();
  // The store's background flush retries on its own; no further call of ours.
  await until(async () => (await inCatalog()) === 0, 'the change reached PostgreSQL');
  t.equal(store.getState(row.state_id), undefined, 'and the replica agrees');
});

t.test('a change the catalog refuses for what it writes is not queued', async (t) => {
  const cat = await pgCatalog(t);
  const store = await cat.open();
  const row = stateRow();
  await store.write((w) => w.insertState(row));
  let runs = 0;
  await t.rejects(
    writeOrQueue(store, () => {
      runs++;
      throw new Error('refused');
    }),
    { message: 'refused' },
  );
  t.equal(runs, 1, 'run once, not committed again');
});

import t, { type Test } from 'tap';
import { openPostgresStore } from '../../../../lib/store/postgres/index.js';
import { pgWriter, runStatements } from '../../../../lib/store/postgres/writer.js';
import { cutProxy } from '../../../helpers/cut-proxy.js';
import { pgCatalog } from '../../../helpers/pg-catalog.js';
import { query, withClient } from '../../../helpers/postgres.js';
import { instanceRow, nameRow, stateRow } from '../../../helpers/rows.js';

t.test('the PG writer, on a real catalog schema', async (t) => {
  const cat = await pgCatalog(t);
  await (await cat.open()).close(); // makes the schema
  const s = stateRow();
  const i = instanceRow(s.state_id, {
    expires_at: '2026-01-01T00:00:59.000Z',
    idle_ttl_seconds: 60,
  });
  const run = (fn: (w: ReturnType<typeof pgWriter>['writer']) => void) =>
    withClient(cat.url, async (c) => {
      const w = pgWriter('"sqlrs_catalog"');
      fn(w.writer);
      await runStatements(c, w.statements());
    });
  await run((w) => {
    w.insertState(s);
    w.insertInstance(i);
    w.putName(nameRow('n', i));
    w.putName(nameRow('n', i, { last_used_at: '2026-01-02T00:00:00.000Z' }));
    w.touchInstances([i.instance_id], '2026-01-01T00:00:30.250Z');
  });
  const [inst] = await query(cat.url, 'SELECT * FROM sqlrs_catalog.instances');
  t.match(inst, {
    expires_at: '2026-01-01T00:01:30.250Z',
    last_used_at: '2026-01-01T00:00:30.250Z',
  });
  const [name] = await query(cat.url, 'SELECT * FROM sqlrs_catalog.names');
  t.match(name, { last_used_at: '2026-01-02T00:00:00.000Z' }, 'putName replaces');
  await run((w) => w.touchInstances([i.instance_id], '2026-01-01T00:00:00.000Z'));
  const [again] = await query(cat.url, 'SELECT expires_at FROM sqlrs_catalog.instances');
  t.match(again, { expires_at: '2026-01-01T00:01:30.250Z' }, 'never earlier than it was');
  await t.rejects(
    run((w) => w.insertState(s)),
    { code: '23505' },
    'a key conflict throws',
  );
});

/**
 * A COMMIT whose answer never came (the connection cut in it, tests/helpers/cut-proxy.ts): the
 * store learns from the change log whether the record landed. A write reports done or runs
 * again; a flush's calls go back once, or not at all; nothing is written twice.
 */
async function doubtful(t: Test) {
  const proxy = await cutProxy(t);
  const cat = await pgCatalog(t);
  await (await cat.open()).close(); // makes the schema
  const store = await openPostgresStore({ url: proxy.url(cat.db) });
  t.teardown(() => store.close().catch(() => undefined));
  const inCatalog = async (stateId: string) =>
    (await query(cat.url, 'SELECT 1 FROM sqlrs_catalog.states WHERE state_id = $1', [stateId]))
      .length;
  return { proxy, store, inCatalog };
}

for (const when of ['after', 'before'] as const) {
  t.test(`a write whose COMMIT was cut ${when} it reached the server: done, once`, async (t) => {
    const { proxy, store, inCatalog } = await doubtful(t);
    const row = stateRow();
    proxy.armCommit(when);
    await store.write((w) => w.insertState(row));
    t.equal(proxy.cuts, 1, 'its COMMIT was cut');
    t.equal(await inCatalog(row.state_id), 1, 'in the catalog once');
    t.ok(store.getState(row.state_id), 'and in the replica');
    const more = stateRow();
    await store.write((w) => w.insertState(more));
    t.equal(await inCatalog(more.state_id), 1, 'the next write goes through');
  });

  t.test(`a flush whose COMMIT was cut ${when} it reached the server: once`, async (t) => {
    const { proxy, store, inCatalog } = await doubtful(t);
    const row = stateRow();
    store.commit((w) => w.insertState(row));
    proxy.armCommit(when);
    await t.rejects(store.flush(), { code: 'unavailable' }, 'the flush fails, outcome unknown');
    t.equal(proxy.cuts, 1, 'its COMMIT was cut');
    // Every caller at once: the doubt is settled by one of them, its calls put back at most once.
    await Promise.all([store.refresh(), store.refresh(), store.flush()]);
    const more = stateRow();
    await store.write((w) => w.insertState(more));
    t.equal(await inCatalog(row.state_id), 1, 'the committed row is in the catalog once');
    t.equal(await inCatalog(more.state_id), 1, 'later writes go through');
    t.ok(store.getState(row.state_id) && store.getState(more.state_id), 'both in the replica');
  });
}

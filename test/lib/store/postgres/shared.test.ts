import t from 'tap';
import { openPostgresStore } from '../../../../lib/store/postgres/index.js';
import { PG_SCHEMA_VERSION } from '../../../../lib/store/postgres/schema.js';
import { pgCatalog } from '../../../helpers/pg-catalog.js';
import { holdClient, query, terminateBackends } from '../../../helpers/postgres.js';
import { stateRow } from '../../../helpers/rows.js';
import { until } from '../../../helpers/until.js';

t.test('a write in one store is read in another: after refresh, and by notification', async (t) => {
  const cat = await pgCatalog(t);
  const [a, b] = [await cat.open(), await cat.open()];
  t.equal(a.catalogId, b.catalogId);
  const first = stateRow();
  await a.write((w) => w.insertState(first));
  await b.refresh();
  t.ok(b.getState(first.state_id), 'after refresh');
  const marker = stateRow();
  const gen = b.generation;
  await a.write((w) => w.insertState(marker));
  await until(() => b.getState(marker.state_id) !== undefined, 'the notification brought it');
  t.ok(b.generation > gen, 'a new generation');
  t.ok(b.statesChangedSince(gen)?.has(marker.state_id), 'noted as changed');
});

t.test('two stores race a check-then-insert: exactly one wins', async (t) => {
  const cat = await pgCatalog(t);
  const [a, b] = [await cat.open(), await cat.open()];
  const row = stateRow();
  let sawIt = 0;
  const claim = (store: typeof a) =>
    store.write((w) => {
      if (store.getState(row.state_id)) {
        sawIt++;
        throw new Error('taken');
      }
      w.insertState(row);
    });
  const results = await Promise.allSettled([claim(a), claim(b)]);
  t.equal(results.filter((r) => r.status === 'fulfilled').length, 1, 'one succeeds');
  t.equal(results.filter((r) => r.status === 'rejected').length, 1, 'one fails');
  t.equal(sawIt, 1, "the loser's check saw the winner's row on its retry");
  const rows = await query(cat.url, 'SELECT state_id FROM sqlrs_catalog.states');
  t.equal(rows.length, 1);
});

t.test('commit() then flush() lands in PostgreSQL and in the other store', async (t) => {
  const cat = await pgCatalog(t);
  const [a, b] = [await cat.open(), await cat.open()];
  const other = stateRow();
  await b.write((w) => w.insertState(other)); // a's replica is behind when it flushes
  const row = stateRow();
  a.commit((w) => w.insertState(row));
  await a.flush();
  t.ok(a.getState(other.state_id), 'the flush brought the other record in');
  const inPg = await query(cat.url, 'SELECT 1 FROM sqlrs_catalog.states WHERE state_id = $1', [
    row.state_id,
  ]);
  t.equal(inPg.length, 1);
  await b.refresh();
  t.ok(b.getState(row.state_id));
  const head = await query<{ seq: string }>(cat.url, 'SELECT seq FROM sqlrs_catalog.head');
  t.equal(head[0]?.seq, '2', 'two records');
});

t.test('engines opening a fresh catalog together migrate it once', async (t) => {
  const cat = await pgCatalog(t);
  const stores = await Promise.all(Array.from({ length: 4 }, () => cat.open('cat_x')));
  t.equal(new Set(stores.map((s) => s.catalogId)).size, 1, 'one catalog id');
  const meta = await query(
    cat.url,
    "SELECT value FROM cat_x.meta WHERE key IN ('schema_version', 'catalog_id')",
  );
  t.equal(meta.length, 2, 'one schema version, one catalog id');
});

t.test('a catalog of a newer schema version is refused', async (t) => {
  const cat = await pgCatalog(t);
  await (await cat.open()).close();
  await query(cat.url, "UPDATE sqlrs_catalog.meta SET value = '999' WHERE key = 'schema_version'");
  await t.rejects(
    cat.open(),
    new RegExp(`schema version 999, newer than this engine's ${PG_SCHEMA_VERSION}; refusing`),
  );
  await t.rejects(cat.open('Bad-Name'), /not a valid name/);
});

t.test('a server that does not answer: rejected, naming host:port/database', async (t) => {
  const err = await import('../../../../lib/store/postgres/index.js').then((m) =>
    m.openPostgresStore({ url: 'postgres://u:secretpw@127.0.0.1:1/nodb' }).catch((e) => e),
  );
  t.match(err, { code: 'unavailable', message: /127\.0\.0\.1:1\/nodb/ });
  t.notMatch(err.message, /secretpw/);
});

t.test('connections ended under the store: a write fails whole or succeeds', async (t) => {
  const cat = await pgCatalog(t);
  const store = await cat.open();
  await store.write((w) => w.insertState(stateRow()));
  const pids = await query<{ pid: number }>(
    cat.url,
    'SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
    [cat.db],
  );
  await terminateBackends(pids.map((p) => p.pid));
  const row = stateRow();
  const outcome = await store
    .write((w) => w.insertState(row))
    .then(
      () => 'ok',
      (e) => e.code,
    );
  t.ok(outcome === 'ok' || outcome === 'unavailable', `outcome ${outcome}`);
  const after = stateRow();
  await store.write((w) => w.insertState(after));
  const rows = await query<{ state_id: string }>(
    cat.url,
    'SELECT state_id FROM sqlrs_catalog.states',
  );
  const head = await query<{ seq: string }>(cat.url, 'SELECT seq FROM sqlrs_catalog.head');
  const journal = await query(cat.url, 'SELECT seq FROM sqlrs_catalog.journal');
  t.equal(rows.length, Number(head[0]?.seq), 'one row per record: nothing half-written');
  t.equal(journal.length, rows.length);
  t.ok(store.getState(after.state_id));
  t.equal(store.listStates({}, { limit: 10 }).length, rows.length, 'the replica agrees');
});

t.test('a replica behind a trimmed change log loads the catalog again', async (t) => {
  const cat = await pgCatalog(t);
  const [a, c] = [await cat.open(), await cat.open()];
  // c follows nothing by itself: it stays at record 0 until it refreshes.
  await (c as unknown as { stopListening(): Promise<void> }).stopListening();
  const rows = [stateRow(), stateRow(), stateRow()];
  for (const r of rows) await a.write((w) => w.insertState(r));
  await query(cat.url, 'DELETE FROM sqlrs_catalog.journal WHERE seq < 3');
  t.equal(c.listStates({}, { limit: 10 }).length, 0, 'c is behind');
  await c.refresh(); // records 1 and 2 are gone: c loads the catalog again

  for (const r of rows) t.ok(c.getState(r.state_id));
  await c.write((w) => w.deleteState((rows[0] as { state_id: string }).state_id));
  await a.refresh();
  t.equal(a.listStates({}, { limit: 10 }).length, 2);
});

t.test(
  'a write waiting on a head a frozen session holds fails unavailable, then succeeds',
  async (t) => {
    const cat = await pgCatalog(t);
    await (await cat.open()).flush(); // the schema made
    const store = await openPostgresStore({ url: cat.url, lockTimeoutMs: 200 });
    t.teardown(() => store.close());
    // An engine stopped in the middle of its write: its transaction holds the head for good.
    const frozen = await holdClient(t, cat.url);
    await frozen.query('BEGIN');
    await frozen.query('SELECT seq FROM sqlrs_catalog.head FOR UPDATE');
    const code = await store
      .write((w) => w.insertState(stateRow()))
      .then(
        () => 'ok',
        (e) => e.code,
      );
    t.equal(code, 'unavailable', 'the write gives up rather than wait forever');
    await frozen.query('ROLLBACK');
    const row = stateRow();
    await store.write((w) => w.insertState(row));
    t.ok(store.getState(row.state_id), 'the next write, once the head is free, succeeds');
  },
);

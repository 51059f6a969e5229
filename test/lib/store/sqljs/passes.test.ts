import initSqlJs from 'sql.js';
import t from 'tap';
import { openSqljsStore, READY_INSTANCES } from '../../../../lib/store/sqljs/index.js';
import { MIGRATIONS } from '../../../../lib/store/sqljs/migrations.js';
import {
  DATABASE_RECORDED,
  EXPIRY_ALL_SLIDING,
  EXPIRY_DUE_BY,
  STATE_HOLDS_PAGE,
} from '../../../../lib/store/sqljs/passes.js';
import { instanceRow, stateRow } from '../../../helpers/rows.js';
import { tempDir } from '../../../helpers/tmp.js';

const T0 = '2026-01-01T00:00:00.000Z';
const at = (s: number) => new Date(Date.parse(T0) + s * 1000).toISOString();

/** The plan of a query on a catalog at the current schema, one line per step. */
async function planner() {
  const SQL = await initSqlJs();
  const db = new SQL.Database();
  for (const m of MIGRATIONS) db.exec(m);
  db.exec(READY_INSTANCES);
  return (sql: string, params: unknown[]) =>
    (db.exec(`EXPLAIN QUERY PLAN ${sql}`, params as never)[0]?.values ?? [])
      .map((r) => String(r[3]))
      .join('\n');
}

t.test('no pass query walks a table: each reads its rows through an index', async (t) => {
  const plan = await planner();
  const holds = plan(STATE_HOLDS_PAGE, ['', 1000]);
  t.match(holds, /SEARCH s USING (COVERING )?INDEX sqlite_autoindex_states_1 \(state_id>\?\)/);
  t.match(holds, /SEARCH i USING COVERING INDEX instances_state/);
  t.match(holds, /SEARCH c USING COVERING INDEX states_parent/);
  const dueBy = plan(EXPIRY_DUE_BY, [T0, at(60)]);
  t.match(dueBy, /SEARCH i USING INDEX instances_expires \(expires_at<\?\)/);
  const all = plan(EXPIRY_ALL_SLIDING, [T0]);
  t.match(all, /MULTI-INDEX OR/);
  t.match(all, /SEARCH i USING INDEX instances_expires/);
  t.match(all, /SEARCH i USING INDEX instances_sliding \(idle_ttl_seconds>\?\)/);
  const recorded = plan(DATABASE_RECORDED, ['sqlrs_x']);
  t.match(recorded, /SEARCH states USING COVERING INDEX states_db \(db_name=\?\)/);
  t.match(recorded, /SEARCH instances USING COVERING INDEX instances_db \(db_name=\?\)/);
  t.match(recorded, /SEARCH pool USING COVERING INDEX sqlite_autoindex_pool_1 \(db_name=\?\)/);
  for (const [name, p] of Object.entries({ holds, dueBy, all, recorded })) {
    t.notMatch(p, /\bSCAN\b/, `${name}: no SCAN`);
  }
});

t.test('state holds by page: key order, each page after the last, the counts', async (t) => {
  const store = await openSqljsStore({ dir: await tempDir(t) });
  t.teardown(() => store.close());
  const ids = ['1', '2', '3', '4', '5'].map((c) => c.repeat(64));
  const rows = ids.map((id, n) => stateRow({ state_id: id, parent_state_id: ids[n - 1] ?? null }));
  await store.write((w) => {
    for (const r of [...rows].reverse()) w.insertState(r);
    w.insertInstance(instanceRow(ids[4] as string));
    w.insertInstance(instanceRow(ids[4] as string));
  });
  const first = store.stateHoldsPage({ limit: 2 });
  const second = store.stateHoldsPage({ after: first.at(-1)?.state_id, limit: 2 });
  const third = store.stateHoldsPage({ after: second.at(-1)?.state_id, limit: 2 });
  t.same(
    [first, second, third].map((p) => p.map((r) => r.state_id)),
    [ids.slice(0, 2), ids.slice(2, 4), ids.slice(4)],
  );
  t.same(
    [...first, ...second, ...third],
    store.stateHolds().sort((a, b) => (a.state_id < b.state_id ? -1 : 1)),
    'the rows the one query reads',
  );
  t.same(
    third.map((r) => [r.instances, r.children]),
    [[2, 0]],
  );
  t.same(
    first.map((r) => [r.instances, r.children]),
    [
      [0, 1],
      [0, 1],
    ],
  );
});

t.test(
  'expiry candidates: due now, sliding ones due by the next pass, or all sliding',
  async (t) => {
    const store = await openSqljsStore({ dir: await tempDir(t) });
    t.teardown(() => store.close());
    const s = stateRow();
    const row = (c: string, expires: string | null, idle: number | null) =>
      instanceRow(s.state_id, {
        instance_id: c.repeat(32),
        expires_at: expires,
        idle_ttl_seconds: idle,
      });
    const fixedDue = row('a', T0, null);
    const fixedSoon = row('b', at(30), null); // due by the next pass, but fixed: not yet
    const slidingDue = row('c', at(-1), 3600);
    const slidingSoon = row('d', at(30), 3600);
    const slidingLater = row('e', at(3600), 3600);
    const never = row('f', null, null);
    await store.write((w) => {
      w.insertState(s);
      for (const r of [slidingLater, never, fixedSoon, slidingSoon, fixedDue, slidingDue])
        w.insertInstance(r);
    });
    const ids = (rows: Array<{ instance_id: string }>) => rows.map((r) => r.instance_id[0]);
    t.same(ids(store.expiryCandidates(T0, at(60))), ['a', 'c', 'd'], 'due, and sliding by then');
    t.same(ids(store.expiryCandidates(T0, T0)), ['a', 'c'], 'due only');
    t.same(ids(store.expiryCandidates(T0)), ['a', 'c', 'd', 'e'], 'the first pass: every sliding');
  },
);

t.test('whether a database is recorded: state, instance, warm copy, or none', async (t) => {
  const store = await openSqljsStore({ dir: await tempDir(t) });
  t.teardown(() => store.close());
  const s = stateRow();
  const i = instanceRow(s.state_id);
  await store.write((w) => {
    w.insertState(s);
    w.insertInstance(i);
    w.addPooled({
      db_name: 'sqlrs_test_i_copy',
      state_id: s.state_id,
      image_id: s.image_id,
      created_at: T0,
    });
  });
  for (const db of [s.db_name, i.db_name, 'sqlrs_test_i_copy']) t.ok(store.recordsDatabase(db), db);
  t.notOk(store.recordsDatabase('sqlrs_test_b_x_0'));
  t.notOk(store.recordsDatabase(''));
});

import initSqlJs from 'sql.js';
import t, { type Test } from 'tap';
import {
  instanceListQuery,
  nameListQuery,
  stateListQuery,
} from '../../../../lib/store/sqljs/entries.js';
import { READY_INSTANCES } from '../../../../lib/store/sqljs/index.js';
import { MIGRATIONS } from '../../../../lib/store/sqljs/migrations.js';

/** A catalog at the current schema, with the connection's view, and the plan of a query. */
async function catalog() {
  const SQL = await initSqlJs();
  const db = new SQL.Database();
  for (const m of MIGRATIONS) db.exec(m);
  db.exec(READY_INSTANCES);
  const plan = ([sql, params]: [string, unknown[]]) =>
    (db.exec(`EXPLAIN QUERY PLAN ${sql}`, params as never)[0]?.values ?? [])
      .map((r) => String(r[3]))
      .join('\n');
  return { db, plan };
}

t.test('a state listing filtered by image reads that image in key order, by index', async (t) => {
  const { db, plan } = await catalog();
  const first = plan(stateListQuery({ image: 'postgres' }, { limit: 500 }));
  t.match(first, /SEARCH s USING (COVERING )?INDEX states_image \(image_id=\?\)/);
  t.notMatch(first, /TEMP B-TREE FOR ORDER BY/, 'no sort: the index gives the order');
  const next = plan(stateListQuery({ image: 'postgres' }, { after: 'ab', limit: 500 }));
  t.match(next, /INDEX states_image \(image_id=\? AND state_id>\?\)/, 'a page seeks past the last');
  db.close();
});

t.test('an unfiltered state listing walks the primary key, unsorted', async (t) => {
  const { db, plan } = await catalog();
  const p = plan(stateListQuery({}, { after: 'ab', limit: 500 }));
  t.match(p, /SEARCH s USING INDEX sqlite_autoindex_states_1 \(state_id>\?\)/);
  t.notMatch(p, /TEMP B-TREE/);
  db.close();
});

/** Every table a plan reads through an index: no line of the plan walks a whole table. */
const noScan = (t: Test, plan: string) =>
  t.notMatch(
    plan,
    /(^|\n)SCAN (s|i|n|p|states|instances|names|pending)\b/,
    `no table scan in:\n${plan}`,
  );

t.test(
  'a shown instance asks for its pending record by index, not by scanning pending',
  async (t) => {
    const { db, plan } = await catalog();
    const p = plan(instanceListQuery({}, { after: 'ab', limit: 500 }));
    t.match(p, /SEARCH p USING (COVERING )?INDEX pending_target \(target_id=\?\)/);
    t.match(p, /SEARCH n USING (COVERING )?INDEX names_instance \(instance_id=\?\)/);
    t.notMatch(p, /TEMP B-TREE/, 'the primary key gives the order');
    noScan(t, p);
    const refcount = plan(stateListQuery({}, { after: 'ab', limit: 500 }));
    t.match(refcount, /SEARCH p USING (COVERING )?INDEX pending_target/, "a state's refcount too");
    noScan(t, refcount);
    db.close();
  },
);

t.test(
  'an instance listing filtered by image reads that image in key order, by index',
  async (t) => {
    const { db, plan } = await catalog();
    const p = plan(instanceListQuery({ image: 'postgres' }, { after: 'ab', limit: 500 }));
    t.match(
      p,
      /SEARCH i USING (COVERING )?INDEX instances_image \(image_id=\? AND instance_id>\?\)/,
    );
    t.notMatch(p, /TEMP B-TREE/);
    noScan(t, p);
    const byState = plan(instanceListQuery({ statePrefix: 'abcdef01' }, { limit: 500 }));
    t.match(byState, /INDEX instances_state \(state_id>\? AND state_id<\?\)/);
    noScan(t, byState);
    db.close();
  },
);

t.test('name listings filtered by image or state read by index', async (t) => {
  const { db, plan } = await catalog();
  const byImage = plan(nameListQuery({ image: 'postgres' }, { after: 'a', limit: 500 }));
  t.match(byImage, /SEARCH n USING (COVERING )?INDEX names_image \(image_id=\? AND name>\?\)/);
  t.notMatch(byImage, /TEMP B-TREE/);
  noScan(t, byImage);
  const byState = plan(nameListQuery({ statePrefix: 'abcdef01' }, { limit: 500 }));
  t.match(byState, /SEARCH n USING (COVERING )?INDEX names_state \(state_id>\? AND state_id<\?\)/);
  noScan(t, byState);
  const all = plan(nameListQuery({}, { after: 'a', limit: 500 }));
  t.match(all, /SEARCH p USING (COVERING )?INDEX pending_target/);
  db.close();
});

t.test("a state's instances are read by index, its records too", async (t) => {
  const { db, plan } = await catalog();
  const p = plan(['SELECT * FROM ready_instances WHERE state_id = ? ORDER BY instance_id', ['x']]);
  t.match(p, /SEARCH i USING INDEX instances_state \(state_id=\?\)/);
  t.match(p, /SEARCH p USING (COVERING )?INDEX pending_target/);
  t.notMatch(p, /TEMP B-TREE/, 'in id order from the index');
  noScan(t, p);
  db.close();
});

t.test("a state's refcount reads the index alone, no instance row", async (t) => {
  const { db, plan } = await catalog();
  const p = plan(stateListQuery({}, { after: 'ab', limit: 500 }));
  t.match(p, /SEARCH i USING COVERING INDEX instances_state \(state_id=\?\)/);
  noScan(t, p);
  db.close();
});

import initSqlJs from 'sql.js';
import t from 'tap';
import { stateListQuery } from '../../../../lib/store/sqljs/entries.js';
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

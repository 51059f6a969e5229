import type pg from 'pg';
import t, { type Test } from 'tap';
import { endPgSessions, pgSessionCounts } from '../../../lib/conntrack/postgres.js';
import { ADMIN_URL, holdClient, query, sessionsOn, uniqueName } from '../../helpers/postgres.js';

/** A database of the test's own, dropped (with whatever is left on it) at test end. */
async function database(t: Test): Promise<{ name: string; url: string }> {
  const name = uniqueName('conntrack');
  await query(ADMIN_URL, `CREATE DATABASE "${name}"`);
  t.teardown(() => query(ADMIN_URL, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  return { name, url: u.toString() };
}

/** An admin connection as the engine holds one, ended at test end. */
async function admin(t: Test): Promise<pg.Client> {
  return holdClient(t, ADMIN_URL);
}

t.test('sessions are counted per database, the engine own left out', async (t) => {
  const db = await database(t);
  const c = await admin(t);
  await holdClient(t, db.url, { application_name: 'a-test' });
  await holdClient(t, db.url, { application_name: 'sqlrs-engine:00000000:1' });
  await holdClient(t, db.url, { application_name: 'sqlrs' });
  const counts = await pgSessionCounts(c, [db.name, 'absent_db']);
  t.same(
    [...counts],
    [
      [db.name, 1],
      ['absent_db', 0],
    ],
  );
});

t.test(
  'endPgSessions ends every session on the database and returns once they are gone',
  async (t) => {
    const db = await database(t);
    const c = await admin(t);
    for (const app of ['a-test', 'sqlrs']) await holdClient(t, db.url, { application_name: app });
    const other = await holdClient(t, ADMIN_URL, { application_name: 'elsewhere' });
    t.equal(await sessionsOn(db.name), 2);
    t.equal(await endPgSessions(c, db.name), 2, 'both ended, the engine-named one too');
    t.equal(await sessionsOn(db.name), 0, 'gone from the server when it answers');
    t.same(await query(db.url, 'select 1 as x'), [{ x: 1 }], 'new sessions still come in');
    t.same((await other.query('select 2 as x')).rows, [{ x: 2 }], 'another database untouched');
    t.same((await c.query('select 3 as x')).rows, [{ x: 3 }], 'its own connection untouched');
  },
);

t.test('endPgSessions: nobody connected, nothing ended', async (t) => {
  const db = await database(t);
  t.equal(await endPgSessions(await admin(t), db.name), 0);
  t.equal(await endPgSessions(await admin(t), uniqueName('absent')), 0);
});

t.test(
  'endPgSessions leaves a session it may not end to the DROP, and does not throw',
  async (t) => {
    const db = await database(t);
    const role = uniqueName('conntrack_role');
    await query(ADMIN_URL, `CREATE ROLE "${role}" LOGIN`);
    t.teardown(() => query(ADMIN_URL, `DROP ROLE IF EXISTS "${role}"`));
    await holdClient(t, db.url); // a superuser's session
    const weak = new URL(ADMIN_URL);
    weak.username = role;
    const c = await holdClient(t, weak.toString());
    t.equal(await endPgSessions(c, db.name), 0, 'refused: nothing ended');
    t.equal(await sessionsOn(db.name), 1, 'the session is still there');
  },
);

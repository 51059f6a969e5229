import t from 'tap';
import { DbSettings } from '../../../../lib/dbms/postgres/db-settings.js';
import type { PostgresServer } from '../../../../lib/dbms/postgres/server.js';
import { newInstanceId, newJobId } from '../../../../lib/id.js';
import {
  ADMIN_URL,
  pgServer,
  query,
  roleExists,
  uniqueName,
  withClient,
} from '../../../helpers/postgres.js';
import { stateIdFor } from '../../../helpers/rows.js';

/** What a session in `db` sees of these settings, as `role` (default: the admin URL's). */
async function seen(server: PostgresServer, db: string, role?: string) {
  const url = new URL(server.dsn(db));
  if (role) url.username = role;
  const [row] = await query(
    url.toString(),
    `select current_setting('search_path') as search_path, current_setting('DateStyle') as datestyle,
            current_setting('work_mem') as work_mem, current_setting('app.tenant', true) as tenant`,
  );
  return row;
}

t.test('settings a step gave its database go with every clone of it', async (t) => {
  const { names, server } = pgServer(t);
  const build = names.build(newJobId(), 0);
  const state = names.state(stateIdFor('with-settings'));
  await server.createFrom(build, null);
  // What a schema script may do to its own database: each kind of value the copy handles.
  await query(
    server.dsn(build),
    `do $$ begin
       execute format('alter database %I set search_path = app, "My Schema", public', current_database());
       execute format('alter database %I set datestyle = %L', current_database(), 'ISO, DMY');
       execute format('alter database %I set work_mem = %L', current_database(), '7MB');
       execute format('alter database %I set app.tenant = %L', current_database(), 'it''s me');
       execute format('alter role root in database %I set work_mem = %L', current_database(), '9MB');
     end $$`,
  );
  const want = {
    search_path: 'app, "My Schema", public',
    datestyle: 'ISO, DMY',
    work_mem: '7MB',
    tenant: "it's me",
  };
  t.same(await seen(server, build), want, 'as the step left them');
  const size = await server.publish(build, state);
  const inst = names.instance(newInstanceId());
  await server.cloneInstance(state, inst, size);
  t.same(
    await seen(server, inst),
    want,
    'an instance has them (CREATE DATABASE did not copy them)',
  );
  t.same(await seen(server, inst, 'root'), { ...want, work_mem: '9MB' }, 'and the per-role ones');
  const next = names.build(newJobId(), 1);
  await server.createFrom(next, state);
  t.same(await seen(server, next), want, "and so has the next step's build database");
});

t.test('a template without settings gives none, and is asked about once', async (t) => {
  const { names, server } = pgServer(t);
  const build = names.build(newJobId(), 0);
  const state = names.state(stateIdFor('plain'));
  await server.createFrom(build, null);
  await server.publish(build, state);
  const asked: string[] = [];
  const settings = new DbSettings(async (sql, params) => {
    asked.push(sql);
    return { rows: await query(ADMIN_URL, sql, params) };
  });
  for (let i = 0; i < 3; i++) await settings.copy(state, names.instance(newInstanceId()));
  t.equal(asked.length, 1, 'one question in all, and nothing to copy');
});

/** Stores `value` verbatim as the search_path of `db` and of the current role in `db`. */
async function storeRawSearchPath(url: string, value: string) {
  await withClient(url, async (c) => {
    await c.query("select set_config('search_path', $1, false)", [value]);
    await c.query(`do $$ begin
       execute format('alter database %I set search_path from current', current_database());
       execute format('alter role current_user in database %I set search_path from current',
                      current_database());
     end $$`);
  });
}

t.test('a stored list that is not a list of identifiers is never run as SQL', async (t) => {
  const { names, server } = pgServer(t);
  const build = names.build(newJobId(), 0);
  const state = names.state(stateIdFor('injected-settings'));
  const role = uniqueName('sqlrs_t');
  t.teardown(() => query(ADMIN_URL, `drop role if exists ${role}`));
  await server.createFrom(build, null);
  // What a caller can store through set_config and FROM CURRENT: SQL after the list.
  await storeRawSearchPath(server.dsn(build), `public;CREATE/**/ROLE/**/${role}/**/SUPERUSER`);
  await server.publish(build, state);
  const inst = names.instance(newInstanceId());
  await server.cloneInstance(state, inst, 0);
  t.notOk(await roleExists(role), 'no role was made by the copy');
  t.not((await seen(server, inst))?.search_path, 'public', 'and the value was not copied');
});

t.test('the database scope copies database-wide settings only', async (t) => {
  const { names, server } = pgServer(t);
  const build = names.build(newJobId(), 0);
  await server.createFrom(build, null);
  await query(
    server.dsn(build),
    `do $$ begin
       execute format('alter database %I set work_mem = %L', current_database(), '7MB');
       execute format('alter role current_user in database %I set work_mem = %L',
                      current_database(), '9MB');
     end $$`,
  );
  const to = names.instance(newInstanceId());
  await query(ADMIN_URL, `create database ${to}`);
  const settings = new DbSettings(
    async (sql, params) => ({ rows: await query(ADMIN_URL, sql, params) }),
    'database',
  );
  await settings.copy(build, to);
  const rows = await query<{ setrole: number; setconfig: string[] }>(
    ADMIN_URL,
    `select s.setrole::int as setrole, s.setconfig from pg_db_role_setting s
       join pg_database d on d.oid = s.setdatabase where d.datname = $1`,
    [to],
  );
  t.same(rows, [{ setrole: 0, setconfig: ['work_mem=7MB'] }]);
});

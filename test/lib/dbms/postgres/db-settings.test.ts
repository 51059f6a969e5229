import t from 'tap';
import { DbSettings } from '../../../../lib/dbms/postgres/db-settings.js';
import type { PostgresServer } from '../../../../lib/dbms/postgres/server.js';
import { newInstanceId, newJobId } from '../../../../lib/id.js';
import { ADMIN_URL, query } from '../../../helpers/pg.js';
import { pgServer } from '../../../helpers/pg-server.js';
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

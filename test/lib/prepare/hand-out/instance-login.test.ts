import t from 'tap';
import { testEngine } from '../../../helpers/engine.js';
import { ADMIN_URL, catalogRoles, outcome, query } from '../../../helpers/postgres.js';
import { contextOf, poolOf, prepare } from '../../../helpers/prepare.js';
import { RESTRICTED, ready } from '../../../helpers/restricted.js';

// An instance's login is a member of no role: it owns its database's objects itself, and
// cannot act as the catalog's build role (docs/security.md, "Roles in the database").
const SEED = [
  'create table t(x int); insert into t values (1)',
  'create schema app; create table app.u(y serial); create view v as select x from t',
  "create function f() returns int language sql as 'select 1'",
  "select lo_from_bytea(0, 'blob')",
].join('; ');

/** What the instance can do with every kind of object the state has. */
const OWN_WORK = [
  'alter table t add column y int; insert into t values (3)',
  'insert into app.u default values; alter sequence app.u_y_seq restart with 10',
  'drop view v; alter function f() rename to g; select g()',
  'select lo_unlink(oid) from pg_largeobject_metadata',
  'create table public.mine(a int); drop schema app cascade; drop table t',
].join('; ');

const settingsOf = (role: string) =>
  query(
    ADMIN_URL,
    'SELECT s.setconfig FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole WHERE r.rolname = $1',
    [role],
  );

t.test('an instance cannot act as the build role, and owns what its database holds', async (t) => {
  const e = await testEngine(t, { config: RESTRICTED });
  const a = await ready(e, SEED);
  const build = `sqlrs_${e.store.catalogId}_build`;
  const state = contextOf(e).names.state(a.state_id);
  // The red team's instance-poison.sql: the build role's settings in a state, from an instance.
  const poison = [
    `set role "${build}"`,
    "select set_config('search_path', 'public;CREATE/**/ROLE/**/x/**/SUPERUSER', false)",
    `alter role "${build}" in database "${state}" set search_path from current`,
  ].join('; ');
  t.match(await outcome(a.dsn, poison), /permission denied to set role/);
  t.match(
    await outcome(a.dsn, `alter role "${build}" in database "${state}" set work_mem = '1MB'`),
    /permission denied|must be/,
  );
  t.same(await settingsOf(build), [], 'no setting of the build role anywhere');
  t.same(
    await query(ADMIN_URL, 'SELECT 1 FROM pg_auth_members WHERE member = $1::regrole', [a.db]),
    [],
    'the login is a member of no role',
  );
  t.equal(await outcome(a.dsn, OWN_WORK), 'ok');
});

t.test('warm copies: a hit owns its objects, a seed gives them back to builds', async (t) => {
  const e = await testEngine(t, {
    config: { ...RESTRICTED, warm_pool: { per_state: 1, max_total: 4 } },
  });
  const build = `sqlrs_${e.store.catalogId}_build`;
  const first = await ready(e, SEED);
  await ready(e, SEED); // asked twice: the state gets a copy
  await poolOf(e).idle();
  const copies = e.store.listPooled(first.state_id).map((r) => r.db_name);
  t.equal(copies.length, 1);
  const hit = await ready(e, SEED);
  t.same([hit.db], copies, 'the hit took the warm copy');
  t.match(await outcome(hit.dsn, `set role "${build}"`), /permission denied to set role/);
  t.equal(await outcome(hit.dsn, OWN_WORK), 'ok');
  await poolOf(e).idle();
  // A build on the state starts from its warm copy, renamed: the build role owns it all again.
  const seed = e.store.listPooled(first.state_id).map((r) => r.db_name);
  t.equal(seed.length, 1);
  const errors: string[] = [];
  const logger = contextOf(e).logger;
  const logError = logger.error.bind(logger);
  logger.error = (event, fields) => {
    errors.push(event);
    logError(event, fields);
  };
  const built = await prepare(e, {
    psql_args: ['-c', SEED, '-c', 'insert into t values (5); alter table app.u add z int'],
  });
  const child = built.result as NonNullable<typeof built.result>;
  t.notOk(e.store.listPooled(first.state_id).some((r) => r.db_name === seed[0]));
  t.same(errors, [], 'the copy was renamed into the build database, not dropped');
  t.notOk((await catalogRoles(e.store.catalogId)).includes(seed[0] as string), 'its login went');
  t.same(await query(child.dsn, 'select x from t order by x'), [{ x: 1 }, { x: 5 }]);
  t.same(
    await query(
      child.dsn,
      `select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname in ('public', 'app') and c.relowner <> current_user::regrole`,
    ),
    [],
    "the child's instance owns every relation",
  );
  t.equal(await outcome(child.dsn, OWN_WORK), 'ok');
});

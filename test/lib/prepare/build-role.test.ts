import t from 'tap';
import { type TestEngine, testEngine } from '../../helpers/engine.js';
import {
  ADMIN_URL,
  catalogDatabases,
  catalogRoles,
  outcome,
  query,
} from '../../helpers/postgres.js';
import { contextOf, poolOf, prepare } from '../../helpers/prepare.js';
import { elsewhere, RESTRICTED, ready } from '../../helpers/restricted.js';

// build_role restricted (docs/architecture.md, "Who can reach what"): builds run as the
// catalog's build role, each instance logs in as a role of its own that reaches only its
// database. Every test sets it explicitly (an engine on loopback defaults to admin).
const SEED = 'create table t(x int); insert into t values (1)';

const stateDb = (e: TestEngine, stateId: string) => contextOf(e).names.state(stateId);

t.test('an instance DSN reaches its own database and no other of the engine', async (t) => {
  const e = await testEngine(t, { config: RESTRICTED });
  const a = await ready(e, SEED);
  const b = await ready(e, `${SEED}; insert into t values (2)`);
  t.not(new URL(b.dsn).username, 'postgres', 'an instance logs in as its own role');
  t.ok(new URL(b.dsn).password, 'with a password of its own');
  // Its own database: the state's objects are its to read, change and drop.
  t.equal(await outcome(b.dsn, 'alter table t add column y int; insert into t values (3)'), 'ok');
  t.equal(await outcome(b.dsn, 'create table mine(a int); create schema s; drop table t'), 'ok');
  // Another instance, a state, a running build: refused.
  t.match(await outcome(elsewhere(b.dsn, a.db)), /permission denied for database/);
  t.match(
    await outcome(elsewhere(b.dsn, stateDb(e, a.state_id))),
    /not currently accepting connections|permission denied/,
  );
  const slow = prepare(e, { psql_args: ['-c', 'select pg_sleep(3)'] });
  let build: string | undefined;
  while (!build) {
    build = (await catalogDatabases(e.store.catalogId)).find((d) => d.includes('_b_'));
    await new Promise((r) => setTimeout(r, 50));
  }
  t.match(await outcome(elsewhere(b.dsn, build)), /permission denied for database/);
  t.equal((await slow).job.status, 'succeeded');
});

t.test('an instance DSN cannot read server files, run programs or change a state', async (t) => {
  const e = await testEngine(t, { config: RESTRICTED });
  const a = await ready(e, SEED);
  const state = stateDb(e, a.state_id);
  t.match(await outcome(a.dsn, "select pg_read_file('/etc/passwd')"), /permission denied/);
  t.match(await outcome(a.dsn, "copy t to program 'true'"), /pg_execute_server_program/);
  t.match(await outcome(a.dsn, "copy t from '/etc/passwd'"), /pg_read_server_files/);
  t.match(
    await outcome(a.dsn, `alter database "${state}" with allow_connections true`),
    /must be owner of database/,
  );
  t.match(
    await outcome(a.dsn, `alter database "${state}" with is_template false`),
    /must be owner of database/,
  );
  t.match(await outcome(a.dsn, `alter database "${a.db}" rename to x`), /must be owner/);
});

t.test('dblink in an instance reaches no other database', async (t) => {
  const available = await query(
    ADMIN_URL,
    "SELECT 1 FROM pg_available_extensions WHERE name = 'dblink'",
  );
  if (available.length === 0) {
    t.comment('skipped: dblink is not installed on this server');
    return;
  }
  const e = await testEngine(t, { config: RESTRICTED });
  const a = await ready(e, SEED);
  const b = await ready(e, `${SEED}; insert into t values (2)`);
  t.match(await outcome(b.dsn, 'create extension dblink'), /permission denied/);
  // Installed by the server's admin, it still gives the instance no way out.
  await query(elsewhere(ADMIN_URL, b.db), 'create extension dblink');
  const u = new URL(b.dsn);
  const own = `host=127.0.0.1 port=${u.port || 5432} user=${u.username} password=${u.password}`;
  const to = (db: string, auth = own) => `select dblink_connect('x', 'dbname=${db} ${auth}')`;
  t.match(await outcome(b.dsn, to(a.db)), /permission denied for database/);
  t.match(await outcome(b.dsn, to(a.db, 'host=127.0.0.1 user=postgres')), /password is required/);
  t.match(
    await outcome(b.dsn, to(stateDb(e, a.state_id), 'host=127.0.0.1 user=postgres')),
    /password is required/,
  );
});

t.test('a step cannot reach a state: a later prepare sees no planted row', async (t) => {
  const e = await testEngine(t, { config: RESTRICTED });
  const a = await ready(e, SEED);
  const state = stateDb(e, a.state_id);
  const admin = "'host=127.0.0.1 dbname=postgres user=postgres'";
  const inState = `'host=127.0.0.1 dbname=${state} user=postgres'`;
  const poison = [
    'create extension if not exists dblink',
    `select dblink_exec(${admin}, 'alter database "${state}" with allow_connections true')`,
    `select dblink_exec(${inState}, 'insert into t values (666)')`,
    `select dblink_exec(${admin}, 'alter database "${state}" with allow_connections false')`,
  ].join(';\n');
  const p = await prepare(e, { psql_args: ['-c', poison] });
  t.equal(p.job.status, 'failed');
  t.match(p.job.error?.details, /permission denied to create extension "dblink"/);
  // Without dblink: the same from the step's own session.
  for (const sql of [
    `alter database "${state}" with allow_connections true`,
    `alter database "${state}" with is_template false`,
    "select pg_read_file('/etc/passwd')",
    "copy (select 1) to program 'true'",
    "create temp table f(l text); copy f from '/etc/passwd'",
  ]) {
    const s = await prepare(e, { psql_args: ['-c', sql] });
    t.equal(s.job.status, 'failed', sql);
  }
  const again = await ready(e, SEED);
  t.same(await query(again.dsn, 'select x from t order by x'), [{ x: 1 }]);
});

t.test('logins go with their databases; strays are dropped by reconciliation', async (t) => {
  const e = await testEngine(t, { config: RESTRICTED });
  const a = await ready(e, SEED);
  const b = await ready(e, SEED);
  const failed = await prepare(e, { psql_args: ['-c', 'select 1/0'] });
  t.equal(failed.job.status, 'failed');
  const c = e.store.catalogId;
  t.same(await catalogRoles(c), [a.db, b.db, `sqlrs_${c}_build`].sort(byBuildLast));
  t.equal((await e.call('DELETE', `/v1/instances/${a.instance_id}`)).status, 200);
  t.same(await catalogRoles(c), [b.db, `sqlrs_${c}_build`]);
  // A login whose database went behind the engine's back (or a crash between the two drops).
  await query(ADMIN_URL, `DROP DATABASE "${b.db}" WITH (FORCE)`);
  const report = await e.deps.deletion.reconcile();
  t.same(report.logins, [b.db]);
  t.same(await catalogRoles(c), [`sqlrs_${c}_build`]);
});

const byBuildLast = (x: string, y: string) =>
  Number(x.endsWith('_build')) - Number(y.endsWith('_build')) || x.localeCompare(y);

t.test('warm copies carry their login: a hit, a seed and a base copy all work', async (t) => {
  const e = await testEngine(t, {
    config: { ...RESTRICTED, warm_pool: { per_state: 1, max_total: 4 } },
  });
  await ready(e, SEED);
  await ready(e, SEED); // asked twice: the state gets a copy, and the base has one
  await poolOf(e).idle();
  const pooled = e.store.listPooled();
  t.ok(pooled.length >= 2, 'copies of the base and the state');
  t.ok(pooled.every((r) => r.access === 'restricted'));
  const hit = await ready(e, SEED);
  t.ok(
    pooled.some((r) => r.db_name === hit.db),
    'the hit took a warm copy',
  );
  t.same(await query(hit.dsn, 'select x from t'), [{ x: 1 }]);
  t.equal(await outcome(hit.dsn, 'drop table t'), 'ok');
  await poolOf(e).idle();
  // A build on the state's copy (renamed into the build database), and one on a base copy.
  const child = await ready(e, `${SEED}; insert into t values (5)`);
  t.same(await query(child.dsn, 'select x from t order by x'), [{ x: 1 }, { x: 5 }]);
  await poolOf(e).idle();
  const other = await ready(e, 'create table u(y int)');
  t.equal(await outcome(other.dsn, 'insert into u values (1)'), 'ok');
});

t.test('listings show an instance DSN without its password; its entry with it', async (t) => {
  const e = await testEngine(t, { config: RESTRICTED });
  const a = await ready(e, SEED);
  const password = new URL(a.dsn).password;
  t.ok(password);
  const listed = (await e.get('/v1/instances')).json() as Array<{ dsn: string }>;
  t.equal(listed.length, 1);
  t.notOk(listed[0]?.dsn.includes(password));
  t.equal(new URL(listed[0]?.dsn as string).username, new URL(a.dsn).username);
  t.equal((await e.get(`/v1/instances/${a.instance_id}`)).json().dsn, a.dsn);
});

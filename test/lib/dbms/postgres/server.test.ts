import pg from 'pg';
import t from 'tap';
import { dbNames } from '../../../../lib/dbms/names.js';
import { advisoryKey, appName, PostgresServer } from '../../../../lib/dbms/postgres/server.js';
import { newCatalogId, newInstanceId, newJobId } from '../../../../lib/id.js';
import { dropCatalogDatabases } from '../../../helpers/catalog-cleanup.js';
import {
  ADMIN_URL,
  catalogDatabases,
  holdClient,
  pgServer,
  query,
  sessionPids,
  terminateBackends,
} from '../../../helpers/postgres.js';
import { stateIdFor } from '../../../helpers/rows.js';
import { until } from '../../../helpers/until.js';

t.test('build, publish, clone, drop', async (t) => {
  const { catalog, names, server } = pgServer(t);
  const build = names.build(newJobId(), 0);
  const state = names.state(stateIdFor('s1'));
  const inst = names.instance(newInstanceId());
  await server.createFrom(build, null);
  await query(server.dsn(build), 'create table t(x int); insert into t values (5)');
  const size = await server.publish(build, state);
  t.ok(size > 0);
  const [row] = await query(
    ADMIN_URL,
    'select datistemplate, datallowconn from pg_database where datname = $1',
    [state],
  );
  t.same(row, { datistemplate: true, datallowconn: false }, 'sealed');
  await server.cloneInstance(state, inst, size);
  t.same(await query(server.dsn(inst), 'select x from t'), [{ x: 5 }]);
  t.same([...(await server.existing([state, inst, build]))].sort(), [inst, state].sort());
  t.same(
    (await server.list(`sqlrs_${catalog}_`)).map((d) => d.name),
    await catalogDatabases(catalog),
  );
  await server.drop(state, false);
  await server.drop(inst, true);
  await server.drop(inst, true);
  t.same(await catalogDatabases(catalog), [], 'dropped, and dropping again is a no-op');
});

t.test('a forced drop ends the sessions on the database; a plain one is busy', async (t) => {
  const { catalog, names, server } = pgServer(t);
  const inst = names.instance(newInstanceId());
  await server.createFrom(inst, null);
  const held = await holdClient(t, server.dsn(inst), { application_name: 'a-test' });
  const ended = new Promise<string>((resolve) => held.once('error', (e) => resolve(e.message)));
  t.equal(await server.drop(inst, false), 'busy');
  t.same(await catalogDatabases(catalog), [inst], 'kept');
  t.equal(await server.drop(inst, true), 'dropped');
  t.same(await catalogDatabases(catalog), [], 'dropped');
  t.match(await ended, /terminat/, 'the session was ended');
});

t.test('a copy made ahead is a copy like any other', async (t) => {
  const { catalog, names, server } = pgServer(t);
  const build = names.build(newJobId(), 0);
  const state = names.state(stateIdFor('ahead'));
  const copy = names.instance(newInstanceId());
  const base = names.instance(newInstanceId());
  await server.createFrom(build, null);
  await query(server.dsn(build), 'create table t(x int); insert into t values (7)');
  const size = await server.publish(build, state);
  await server.cloneInstance(state, copy, size, undefined, { ahead: true });
  await server.createFrom(base, null, { ahead: true });
  t.same(await query(server.dsn(copy), 'select x from t'), [{ x: 7 }]);
  t.same(
    await query(
      server.dsn(base),
      'select count(*)::int as n from pg_tables where schemaname = $1',
      ['public'],
    ),
    [{ n: 0 }],
  );
  t.same(await catalogDatabases(catalog), [base, copy, state].sort());
});

t.test('sizes: only the databases named, in one query', async (t) => {
  const { names, server } = pgServer(t);
  const state = names.state(stateIdFor('sized'));
  const inst = names.instance(newInstanceId());
  await server.createFrom(state, null);
  await server.createFrom(inst, null);
  const sizes = await server.sizes([state, names.state(stateIdFor('absent'))]);
  t.same([...sizes.keys()], [state], 'the instance is not sized; a missing name is left out');
  t.ok((sizes.get(state) ?? 0) > 0);
  t.same(await server.sizes([]), new Map());
  await server.drop(state, true);
  await server.drop(inst, true);
});

t.test('resolve: version, identity, tag check', async (t) => {
  const { server } = pgServer(t);
  t.match(await server.resolve('postgres'), /^postgres@15\.\d+\/\d+$/);
  t.match(await server.resolve('postgres:15'), /^postgres:15@15\.\d+\//);
  await t.rejects(server.resolve('postgres:16'), { code: 'invalid_argument' });
});

t.test('the advisory lock serializes holders across connections', async (t) => {
  const { names, server } = pgServer(t);
  const db = names.state(stateIdFor('lock'));
  const order: string[] = [];
  const release = await server.lockState(db);
  const second = server.lockState(db).then(async (r) => {
    order.push('second');
    await r();
  });
  await new Promise((r) => setTimeout(r, 200));
  order.push('first released');
  await release();
  await second;
  t.same(order, ['first released', 'second']);
  t.match(advisoryKey(db, 'a'), /^-?\d+$/);
  t.not(advisoryKey(db, 'a'), advisoryKey(db, 'b'), 'keyed by the catalog secret');
});

t.test('identifiers that are not ours never reach DDL', async (t) => {
  const { server } = pgServer(t);
  await t.rejects(server.createFrom('postgres"; drop database x; --', null), /refusing to touch/);
  await t.rejects(server.drop('template1', true), /refusing to touch/);
});

t.test('an unreachable server is unavailable, with the password removed', async (t) => {
  const down = new PostgresServer('postgres://u:pw@127.0.0.1:1/postgres');
  t.teardown(() => down.close());
  await t.rejects(down.resolve('postgres'), {
    code: 'unavailable',
    details: 'postgres://u@127.0.0.1:1/postgres',
  });
  await t.rejects(down.lockState('sqlrs_00000000_s_00'), { code: 'unavailable' });
});

t.test('tool environment and DSN', async (t) => {
  const s = new PostgresServer('postgres://alice:p%40ss@db.example:6543/maint');
  t.teardown(() => s.close());
  t.same(s.toolEnv('sqlrs_x'), {
    PGHOST: 'db.example',
    PGPORT: '6543',
    PGUSER: 'alice',
    PGDATABASE: 'sqlrs_x',
    PGAPPNAME: 'sqlrs',
    PGPASSWORD: 'p@ss',
  });
  t.equal(s.dsn('sqlrs_y'), 'postgres://alice:p%40ss@db.example:6543/sqlrs_y');
  const socket = new PostgresServer(
    'postgres://postgres@localhost/postgres?host=%2Fvar%2Frun%2Fpostgresql',
  );
  t.teardown(() => socket.close());
  t.match(socket.toolEnv('d'), { PGHOST: '/var/run/postgresql', PGPORT: '5432' });
});

t.test(
  'lock connections are kept for the next build, and replaced when the server ends one',
  async (t) => {
    const { names, server } = pgServer(t);
    const db = names.state(stateIdFor('lock-reuse'));
    const sessions = async () =>
      (
        await query<{ pid: number }>(
          ADMIN_URL,
          "SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND query LIKE '%advisory%'",
          [appName('00000000')],
        )
      ).map((r) => r.pid);
    await (await server.lockState(db))();
    const before = await sessions();
    await (await server.lockState(db))();
    const after = await sessions();
    t.ok(
      before.length > 0 && after.every((pid) => before.includes(pid)),
      'the same session took the second lock',
    );
    await terminateBackends(after);
    const release = await server.lockState(db);
    t.ok(release, 'a lock is still had after the kept connection was terminated');
    await release();
  },
);

t.test('one DDL connection outlives idleness; the others close', async (t) => {
  const catalog = newCatalogId();
  const server = new PostgresServer(ADMIN_URL, { catalogId: catalog, idleTimeoutMillis: 300 });
  t.teardown(() => server.close());
  const connections = async () => (await sessionPids(appName(catalog))).length;
  const prefix = `sqlrs_${catalog}_`;
  // Concurrent statements open more than one connection (listings: existence checks have a
  // connection of their own, below).
  await Promise.all([1, 2, 3].map(() => server.list(prefix)));
  t.ok((await connections()) > 1, 'several connections while busy');
  await new Promise((r) => setTimeout(r, 1000));
  t.equal(await connections(), 1, 'one kept after the idle timeout');
  t.same(await server.list(prefix), [], 'and it still answers');
});

t.test(
  'a read outlives a pool connection the server ended that is still idle in the pool',
  async (t) => {
    const catalog = newCatalogId();
    const server = new PostgresServer(ADMIN_URL, { catalogId: catalog });
    t.teardown(() => server.close());
    const db = dbNames(catalog).instance(newInstanceId());
    await server.existing([db]); // the pool's connection, idle now
    // Hold back its reads, so the pool has not heard of its end when it hands it out: as in the
    // moment after the server ends it, before the socket is read.
    type Idle = Array<{ client: { connection: { stream: NodeJS.ReadableStream } } }>;
    const idle = (server as unknown as { pool: { _idle: Idle } }).pool._idle;
    t.equal(idle.length, 1, 'one idle pool connection');
    const [{ client }] = idle as [Idle[number]];
    const socket = client.connection.stream;
    socket.pause();
    const pids = () => sessionPids(appName(catalog));
    await terminateBackends(await pids());
    for (let i = 0; i < 100 && (await pids()).length > 0; i++)
      await new Promise((r) => setTimeout(r, 10));
    setTimeout(() => socket.resume(), 50);
    t.same([...(await server.existing([db]))], [], 'answered on a new connection');
  },
);

t.test('existence checks get a connection of their own, and outlive losing it', async (t) => {
  const catalog = newCatalogId();
  const server = new PostgresServer(ADMIN_URL, { catalogId: catalog });
  t.teardown(async () => {
    await server.close().catch(() => undefined); // closed below, unless the test failed first
    await dropCatalogDatabases(catalog);
  });
  const pids = () => sessionPids(appName(catalog));
  const db = dbNames(catalog).instance(newInstanceId());
  t.same([...(await server.existing([db]))], [], 'answered by the pool while the probe opens');
  for (let i = 0; i < 100 && (await pids()).length < 2; i++)
    await new Promise((r) => setTimeout(r, 10));
  t.equal((await pids()).length, 2, "the pool's kept connection and the probe");
  await query(ADMIN_URL, `CREATE DATABASE "${db}"`);
  t.same([...(await server.existing([db]))], [db], 'a database that is there');
  await terminateBackends(await pids());
  t.same([...(await server.existing([db]))], [db], 'still answered once the server ended both');
  await server.close();
  t.same(await pids(), [], 'close ends the probe too');
});

t.test("settle waits for the named engines' statements only", async (t) => {
  const catalog = newCatalogId();
  const server = new PostgresServer(ADMIN_URL, { catalogId: catalog, engineId: 'a'.repeat(32) });
  t.teardown(() => server.close());
  // Sessions named as two other engines of the catalog would name theirs, each in a statement.
  const running = async (engineId: string) => {
    const client = new pg.Client({
      connectionString: ADMIN_URL,
      application_name: appName(catalog, engineId),
    });
    client.on('error', () => undefined); // terminated at test end
    await client.connect();
    const [{ pid }] = (await client.query('SELECT pg_backend_pid() AS pid')).rows;
    const done = client.query('SELECT pg_sleep(20)').then(
      () => 'ended',
      () => 'ended',
    );
    t.teardown(async () => {
      await terminateBackends([pid]);
      await client.end().catch(() => undefined);
    });
    await until(
      async () =>
        (
          await query(
            ADMIN_URL,
            "SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND state = 'active'",
            [pid],
          )
        ).length === 1,
      'the statement runs',
    );
    return { pid: pid as number, done };
  };
  const live = await running('b'.repeat(32));
  const dead = await running('c'.repeat(32));
  // A live engine's statement is not waited for.
  const first = await Promise.race([
    server.settle(['d'.repeat(32)]).then(() => 'settled'),
    live.done,
  ]);
  t.equal(first, 'settled', "settled before the live engine's statement ended");
  // A dead engine's is.
  let cancelled = false;
  const settled = server.settle(['c'.repeat(32)]).then(() => cancelled);
  await new Promise((r) => setTimeout(r, 300));
  cancelled = true;
  await query(ADMIN_URL, 'SELECT pg_cancel_backend($1)', [dead.pid]);
  t.equal(await settled, true, "settled once the dead engine's statement ended");
  await query(ADMIN_URL, 'SELECT pg_cancel_backend($1)', [live.pid]);
});

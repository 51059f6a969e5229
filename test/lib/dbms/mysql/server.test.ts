import { fileURLToPath } from 'node:url';
import t from 'tap';
import { accountOf } from '../../../../lib/dbms/mysql/accounts.js';
import { MysqlServer } from '../../../../lib/dbms/mysql/server.js';
import { newCatalogId } from '../../../../lib/id.js';
import { testEngine } from '../../../helpers/engine.js';
import { holdMysqlSession, MYSQL_URL, mysqlQuery, mysqlSchemas } from '../../../helpers/mysql.js';
import { prepare } from '../../../helpers/prepare.js';
import { hex } from '../../../helpers/rows.js';

const FIXTURE = fileURLToPath(
  new URL('../../../../../test/fixtures/mysql/every-kind.sql', import.meta.url),
);
const dbOf = (dsn: string) => new URL(dsn).pathname.slice(1);

t.test('an instance behaves like the original: every object kind', async (t) => {
  const e = await testEngine(t);
  const { job, result } = await prepare(e, { prepare_kind: 'mysql', mysql_args: [FIXTURE] });
  t.equal(job.status, 'succeeded', JSON.stringify(job.error));
  t.match(result?.dsn, /^mysql:\/\/root@127\.0\.0\.1:3306\/sqlrs_[0-9a-f]{8}_i_[0-9a-f]{32}$/);
  const db = dbOf(result?.dsn as string);
  const q = (sql: string) => mysqlQuery(sql, [], db);
  t.same(
    await q('SELECT name FROM parent ORDER BY id'),
    [{ name: 'Ada' }, { name: 'ada' }, { name: 'Grace' }],
    'rows',
  );
  t.same(
    await q('SELECT doubled FROM child ORDER BY id'),
    [{ doubled: 10 }, { doubled: 14 }],
    'generated columns',
  );
  await q('INSERT INTO child (parent_id, qty) VALUES (3, 1)');
  await t.rejects(
    q('INSERT INTO child (parent_id) VALUES (99)'),
    { code: 'ER_NO_REFERENCED_ROW_2' },
    'foreign keys enforced',
  );
  t.same(
    (await q('SELECT what FROM audit ORDER BY id')).map((r) => r.what),
    ['child 1', 'child 2', 'child 3'],
    'triggers fire',
  );
  await q("CALL add_parent('Linus')");
  t.same(
    await q("SELECT id FROM parent WHERE name = 'Linus'"),
    [{ id: 4 }],
    'procedures run; auto-increment continues',
  );
  t.same(await q('SELECT triple(14) AS v'), [{ v: 42 }], 'functions');
  t.same((await q('SELECT name FROM big_parents ORDER BY id')).length, 3, 'views on views');
  await t.rejects(
    q("INSERT INTO parent (name) VALUES ('Ada')"),
    { code: 'ER_DUP_ENTRY' },
    'unique keys',
  );
  await q("INSERT INTO parent (name) VALUES ('ADA')");
  const [create] = await q('SHOW CREATE TABLE parent');
  t.match(create?.['Create Table'], /COLLATE utf8mb4_bin/, 'column collations kept');
  t.match(create?.['Create Table'], /COMMENT 'case-sensitive name'/, 'column comments kept');
  t.match(create?.['Create Table'], /COMMENT='parents'/, 'table comments kept');
  t.match(create?.['Create Table'], /KEY `ix_created`/, 'indexes kept');
  t.same(
    (await q('SHOW EVENTS')).map((r) => r.Name),
    ['nightly'],
    'events',
  );
  const [view] = await q('SHOW CREATE VIEW big_parents');
  t.notMatch(
    view?.['Create View'],
    /_[bs]_/,
    'views point at the instance, not the build or state',
  );
});

t.test('cache hit, prefix reuse, privacy, failing scripts', async (t) => {
  const e = await testEngine(t);
  const body = {
    prepare_kind: 'mysql',
    mysql_args: ['-e', 'create table t(x int)', '-e', 'insert into t values (1)'],
  };
  const a = await prepare(e, body);
  const b = await prepare(e, body);
  const cached = (j: typeof a) =>
    (j.job.tasks ?? []).filter((x) => x.type === 'state_execute').map((x) => x.cached);
  t.same(cached(a), [false, false]);
  t.same(cached(b), [true, true], 'a repeat is a cache hit');
  t.equal(a.result?.state_id, b.result?.state_id);
  await mysqlQuery('insert into t values (99)', [], dbOf(a.result?.dsn as string));
  t.same(
    await mysqlQuery('select x from t', [], dbOf(b.result?.dsn as string)),
    [{ x: 1 }],
    'instances are private',
  );
  const c = await prepare(e, {
    prepare_kind: 'mysql',
    mysql_args: ['-e', 'create table t(x int)', '-e', 'insert into t values (2)'],
  });
  t.same(cached(c), [true, false], 'a shared prefix is reused');
  const before = await mysqlSchemas(e.store.catalogId);
  const failed = await prepare(e, {
    prepare_kind: 'mysql',
    mysql_args: ['-e', 'create table u(x int); insert into nope values (1)'],
  });
  t.equal(failed.job.status, 'failed');
  t.match(failed.job.error, {
    code: 'invalid_argument',
    message:
      /mysql failed in step 1 \(execute-0\) at statement 2 \(-e \(step 1\):1\): Table '.*nope' doesn't exist/,
    details: /ER_NO_SUCH_TABLE/,
  });
  t.same(await mysqlSchemas(e.store.catalogId), before, 'no leftover schema');
});

t.test('concurrent identical prepares build once', async (t) => {
  const e = await testEngine(t, { config: { max_concurrent_jobs: 4 } });
  const body = {
    prepare_kind: 'mysql',
    mysql_args: ['-e', 'create table t(x int); do sleep(0.3)'],
  };
  const runs = await Promise.all(Array.from({ length: 6 }, () => prepare(e, body)));
  t.ok(runs.every((r) => r.events.at(-1)?.type === 'result'));
  t.equal(new Set(runs.map((r) => r.result?.instance_id)).size, 6);
  const builds = runs.flatMap((r) =>
    r.events.filter((ev) => ev.type === 'log' && ev.message?.startsWith('building ')),
  );
  t.equal(builds.length, 1, 'built once');
});

t.test('deletes: sessions from the process list block; force kills them', async (t) => {
  const e = await testEngine(t);
  const { result } = await prepare(e, {
    prepare_kind: 'mysql',
    mysql_args: ['-e', 'create table t(x int)'],
  });
  const session = await holdMysqlSession(t, dbOf(result?.dsn as string));
  const blocked = await e.call('DELETE', `/v1/instances/${result?.instance_id}`);
  t.equal(blocked.status, 409);
  t.match(blocked.json(), { root: { blocked: 'active_connections', connections: 1 } });
  const forced = await e.call('DELETE', `/v1/instances/${result?.instance_id}?force=true`);
  t.equal(forced.status, 200);
  await t.rejects(session.query('select 1'), 'the session was killed');
  t.notOk((await mysqlSchemas(e.store.catalogId)).includes(dbOf(result?.dsn as string)));
  const tree = await e.call('DELETE', `/v1/states/${result?.state_id}?recurse=true`);
  t.match(tree.json(), { outcome: 'deleted' }, JSON.stringify(tree.json()));
  t.same(await mysqlSchemas(e.store.catalogId), []);
});

t.test('USE and references to other sqlrs_ schemas are refused with 400', async (t) => {
  const e = await testEngine(t);
  for (const sql of ['use mysql', 'select * from sqlrs_00000000_s_1.t']) {
    const res = await e.call('POST', '/v1/prepare-jobs', {
      body: JSON.stringify({ prepare_kind: 'mysql', mysql_args: ['-e', sql] }),
    });
    t.equal(res.status, 400, sql);
  }
  const wrongImage = await e.call('POST', '/v1/prepare-jobs', {
    body: JSON.stringify({
      prepare_kind: 'mysql',
      image_id: 'postgres',
      mysql_args: ['-e', 'select 1'],
    }),
  });
  t.equal(wrongImage.status, 400);
  t.match(wrongImage.json(), { message: /image postgres is a postgres server/ });
});

t.test(
  'a read outlives a pool connection the server ended that is still idle in the pool',
  async (t) => {
    const server = new MysqlServer(MYSQL_URL);
    t.teardown(() => server.close());
    const schema = `sqlrs_${newCatalogId()}_absent`;
    await server.existing([schema]); // the pool's connection, idle now
    // Stop its socket reading, so the pool has not heard of its end when it hands it out: as in
    // the moment after the server ends it, before the socket is read. (A paused stream is not
    // enough: Node still reads the socket's end.)
    type Conn = { threadId: number; stream: { _handle: { readStop(): void; readStart(): void } } };
    type Free = { toArray(): Conn[] };
    const pool = (server as unknown as { pool: { pool: { _freeConnections: Free } } }).pool.pool;
    const free = pool._freeConnections.toArray();
    t.equal(free.length, 1, 'one idle pool connection');
    const [conn] = free as [Conn];
    conn.stream._handle.readStop();
    await mysqlQuery('KILL CONNECTION ?', [conn.threadId]);
    const alive = async () =>
      (
        await mysqlQuery('SELECT ID FROM information_schema.PROCESSLIST WHERE ID = ?', [
          conn.threadId,
        ])
      ).length > 0;
    for (let i = 0; i < 100 && (await alive()); i++) await new Promise((r) => setTimeout(r, 10));
    t.same(
      pool._freeConnections.toArray(),
      [conn],
      'still idle in the pool once the server ended it',
    );
    setTimeout(() => conn.stream._handle.readStart(), 50);
    t.same([...(await server.existing([schema]))], [], 'answered on a new connection');
  },
);

t.test('sizes: only the schemas named, in one query', async (t) => {
  const server = new MysqlServer(MYSQL_URL);
  t.teardown(() => server.close());
  const prefix = `sqlrs_${newCatalogId()}_`;
  const [named, other] = [`${prefix}s_named`, `${prefix}i_other`];
  for (const s of [named, other]) await mysqlQuery(`CREATE DATABASE ${s}`);
  t.teardown(async () => {
    for (const s of [named, other]) await mysqlQuery(`DROP DATABASE IF EXISTS ${s}`);
  });
  await mysqlQuery(`CREATE TABLE ${named}.t (x int)`);
  const sizes = await server.sizes([named, `${prefix}s_absent`]);
  t.same([...sizes.keys()], [named], 'the other schema is not sized; a missing one is left out');
  t.same(await server.sizes([]), new Map());
});

t.test('stray accounts: an account made while the schemas are listed is kept', async (t) => {
  const server = new MysqlServer(MYSQL_URL, 'restricted');
  t.teardown(() => server.close());
  const prefix = `sqlrs_${newCatalogId()}_`;
  const db = `${prefix}s_${hex(20)}`;
  t.teardown(() => server.drop(db, true));
  // Another engine (or a job of this one) makes a schema and its account just after the
  // schemas were listed: its account is no stray.
  const list = server.list.bind(server);
  server.list = async (p: string) => {
    const found = await list(p);
    await server.createFrom(db, null);
    return found;
  };
  t.same(await server.dropStrayLogins(prefix), [], 'nothing dropped');
  const users = await mysqlQuery('SELECT User AS u FROM mysql.user WHERE User = ?', [
    accountOf(db),
  ]);
  t.equal(users.length, 1, 'the account is still there');
});

import { type AddressInfo, createServer, type Socket } from 'node:net';
import t from 'tap';
import { MysqlServer } from '../../../lib/dbms/mysql/server.js';
import { PostgresServer } from '../../../lib/dbms/postgres/server.js';
import { CONNECT_TIMEOUT_MS } from '../../../lib/dbms/postgres/timed-client.js';
import { isPgConnectionLost, serverError } from '../../../lib/dbms/server-errors.js';
import type { CodedError } from '../../../lib/errors.js';
import { holdMysqlSession, MYSQL_URL, mysqlQuery } from '../../helpers/mysql.js';
import {
  ADMIN_URL,
  holdClient,
  query,
  terminateBackends,
  uniqueName,
  whenRunning,
} from '../../helpers/postgres.js';

// Real servers, real errors: a user that may log in but not create databases, as a configured
// image can name by mistake.
const role = () => uniqueName('zz_sqlrs');

t.test('PostgreSQL: a role without CREATEDB is told so, not "internal error"', async (t) => {
  const name = role();
  await query(ADMIN_URL, `CREATE ROLE ${name} LOGIN`);
  t.teardown(() => query(ADMIN_URL, `DROP ROLE ${name}`));
  const url = `postgres://${name}:secret@127.0.0.1:5432/postgres`;
  const server = new PostgresServer(url);
  t.teardown(() => server.close());
  await t.rejects(server.createFrom('sqlrs_00000000_b_00_0', null), {
    code: 'unavailable',
    message: 'database server refused: permission denied to create database',
    details: `postgres://${name}@127.0.0.1:5432/postgres`,
  });
});

t.test('PostgreSQL: a server that accepts and never answers is given up on', async (t) => {
  // As an overloaded server, a firewall, or another service on the port: an unbounded connect
  // would wait for ever, and the job with it (and the engine's stop, which waits for its jobs).
  const held: Socket[] = [];
  const silent = createServer((s) => held.push(s));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  t.teardown(() => {
    for (const s of held) s.destroy();
    silent.close();
  });
  const { port } = silent.address() as AddressInfo;
  const server = new PostgresServer(`postgres://postgres@127.0.0.1:${port}/postgres`);
  t.teardown(() => server.close());
  await t.rejects(server.createFrom('sqlrs_00000000_b_00_0', null), {
    code: 'unavailable',
    message: `database server unavailable: no answer within ${CONNECT_TIMEOUT_MS / 1000} s of connecting`,
    details: `postgres://postgres@127.0.0.1:${port}/postgres`,
  });
});

t.test('PostgreSQL: an error that is ours to fix stays as it is', async (t) => {
  const client = await holdClient(t);
  const err = await client.query('SELEC 1').catch((e) => e);
  t.equal(err.code, '42601');
  t.equal(serverError(ADMIN_URL, err), err, 'a syntax error of ours is internal');
});

t.test('MySQL: a user without CREATE is told so', async (t) => {
  const name = role();
  await mysqlQuery(`CREATE USER '${name}'@'%'`);
  await mysqlQuery(`CREATE USER '${name}'@'localhost'`);
  t.teardown(async () => {
    await mysqlQuery(`DROP USER '${name}'@'%'`);
    await mysqlQuery(`DROP USER '${name}'@'localhost'`);
  });
  const url = `mysql://${name}@127.0.0.1:3306/`;
  const server = new MysqlServer(url);
  t.teardown(() => server.close());
  await t.rejects(server.createFrom('sqlrs_00000000_b_00_0', null), {
    code: 'unavailable',
    message: /^database server refused: Access denied for user/,
    details: url,
  });
});

t.test('MySQL: an error that is ours to fix stays as it is', async (t) => {
  const conn = await holdMysqlSession(t);
  const err = await conn.query('SELEC 1').catch((e) => e);
  t.equal(err.code, 'ER_PARSE_ERROR');
  t.equal(serverError(MYSQL_URL, err), err);
});

t.test(
  'PostgreSQL: a connection the server ended is lost; a failed statement is not',
  async (t) => {
    const client = await holdClient(t);
    const syntax = await client.query('selec 1').catch((e: unknown) => e);
    t.notOk(isPgConnectionLost(syntax), 'a syntax error');
    // It reports the server's words (57P01), then the socket's close.
    const errors: unknown[] = [];
    const closed = new Promise<void>((resolve) => client.on('end', () => resolve()));
    client.on('error', (e) => errors.push(e));
    const [{ pid }] = (await client.query('select pg_backend_pid() pid')).rows;
    await terminateBackends([pid]);
    await closed;
    t.ok(errors.length > 0, 'it said so');
    for (const e of errors) t.ok(isPgConnectionLost(e), `terminated: ${(e as Error).message}`);
    const after = await client.query('select 1').catch((e: unknown) => e);
    t.ok(isPgConnectionLost(after), `a statement on it afterwards (${(after as Error).message})`);
  },
);

t.test('PostgreSQL: a statement whose connection the server ends is unavailable', async (t) => {
  const client = await holdClient(t);
  const [{ pid }] = (await client.query('select pg_backend_pid() pid')).rows;
  const sleep = `select pg_sleep(60) as ${uniqueName('ended')}`;
  const sleeping = client.query(sleep).catch((e: unknown) => e);
  await whenRunning(sleep); // ended while it runs the statement, not before it has it
  await terminateBackends([pid]);
  const err = serverError(ADMIN_URL, await sleeping) as CodedError;
  t.equal(err.code, 'unavailable');
  t.match(err.message, /^database server unavailable: terminating connection/);
});

import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import t, { type Test } from 'tap';
import { serverAnswers } from '../../../lib/dbms/server-answers.js';
import { MYSQL_URL } from '../../helpers/mysql.js';
import { ADMIN_URL } from '../../helpers/postgres.js';

/** A listening port on 127.0.0.1, closed at the test's end. */
async function listening(t: Test, server: Server): Promise<number> {
  const held: Socket[] = [];
  server.on('connection', (s: Socket) => held.push(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => {
    for (const s of held) s.destroy();
    server.close();
  });
  return (server.address() as AddressInfo).port;
}

t.test('the real servers answer', async (t) => {
  t.equal(await serverAnswers(ADMIN_URL), true, 'PostgreSQL');
  t.equal(await serverAnswers(MYSQL_URL), true, 'MariaDB');
});

t.test('a port that accepts and stays silent does not', async (t) => {
  // A TCP connect alone called this "ok".
  const port = await listening(
    t,
    createServer(() => undefined),
  );
  t.equal(await serverAnswers(`postgres://postgres@127.0.0.1:${port}/postgres`, 300), false);
  t.equal(await serverAnswers(`mysql://root@127.0.0.1:${port}/`, 300), false);
});

t.test('another service on the port does not', async (t) => {
  const port = await listening(
    t,
    createHttpServer(() => undefined),
  );
  t.equal(await serverAnswers(`postgres://postgres@127.0.0.1:${port}/postgres`, 300), false);
});

t.test('a closed port does not', async (t) => {
  t.equal(await serverAnswers('postgres://postgres@127.0.0.1:1/postgres'), false);
});

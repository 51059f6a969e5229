import { MessageChannel } from 'node:worker_threads';
import t, { type Test } from 'tap';
import { randomHex } from '../../../../../lib/id.js';
import { runMysql } from '../../../../../lib/prepare/kinds/mysql/run-task.js';
import { createWorkerPool } from '../../../../../runtime/pool/pool.js';
import { killConnectionWhenRunning, MYSQL_URL, mysqlQuery } from '../../../../helpers/mysql.js';

async function schema(t: Test) {
  const name = `sqlrs_test_${randomHex(6)}`;
  await mysqlQuery(`CREATE DATABASE \`${name}\``);
  t.teardown(() => mysqlQuery(`DROP DATABASE IF EXISTS \`${name}\``));
  return name;
}

/** A port for a task's log lines, and the lines that came in on it. */
function logPort() {
  const lines: string[] = [];
  const ch = new MessageChannel();
  ch.port1.on(
    'message',
    (m: { type: string; line: string }) => m.type === 'log' && lines.push(m.line),
  );
  return { lines, port: ch.port2 };
}

t.test('direct: runs statements in order; the first failure stops', async (t) => {
  const db = await schema(t);
  const { lines, port } = logPort();
  const res = await runMysql({
    url: MYSQL_URL,
    database: db,
    statements: [
      'create table a(x int)',
      'insert into a values (1),(2)',
      'select * from a',
      'select nope',
      'insert into a values (3)',
    ],
    port,
    maxLogLines: 100,
  });
  t.match(res, {
    ok: true,
    failed: { index: 3, code: 'ER_BAD_FIELD_ERROR', message: /Unknown column 'nope'/ },
  });
  t.same(await mysqlQuery('select x from a order by x', [], db), [{ x: 1 }, { x: 2 }]);
  await new Promise((r) => setTimeout(r, 20));
  t.same(lines, ['Query OK, 0 rows affected', 'Query OK, 2 rows affected', '2 rows']);
});

t.test('through the pool; an unreachable server is an error result', async (t) => {
  const pool = createWorkerPool(1);
  t.teardown(() => pool.close());
  const db = await schema(t);
  const ch = new MessageChannel();
  const ok = await pool.run(
    'runMysql',
    { url: MYSQL_URL, database: db, statements: ['select 1'], port: ch.port2, maxLogLines: 5 },
    [ch.port2],
  );
  t.same(ok, { ok: true });
  const ch2 = new MessageChannel();
  const down = await pool.run(
    'runMysql',
    {
      url: 'mysql://root@127.0.0.1:1/',
      database: db,
      statements: ['select 1'],
      port: ch2.port2,
      maxLogLines: 5,
    },
    [ch2.port2],
  );
  t.match(down, { ok: false, error: { code: 'internal_error', message: /ECONNREFUSED/ } });
});

t.test('rows are counted as they arrive, not held', async (t) => {
  const db = await schema(t);
  const { lines, port } = logPort();
  // Live heap sampled while 2 million rows go by: held, they were 200+ MB (740 MB of engine
  // for 3 million rows of 100 characters, before).
  const base = process.memoryUsage().heapUsed;
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().heapUsed - base);
  }, 2);
  const res = await runMysql({
    url: MYSQL_URL,
    database: db,
    statements: ['select seq, repeat("x", 20) as pad from seq_1_to_2000000', 'do 1'],
    port,
    maxLogLines: 100,
  });
  clearInterval(sampler);
  t.same(res, { ok: true });
  await new Promise((r) => setTimeout(r, 20));
  t.same(lines, ['2000000 rows', 'Query OK, 0 rows affected']);
  t.ok(peak < 64 * 1024 * 1024, `heap grew by at most ${Math.round(peak / 2 ** 20)} MiB`);
});

t.test('a connection lost while a statement runs ends the step, naming the loss', async (t) => {
  const db = await schema(t);
  const { port } = logPort();
  // The server closing the connection, as a shutdown or a crash would. mysql2 tells only the
  // connection, not the streamed query: the task waited forever, and so did its job.
  const kill = killConnectionWhenRunning('select sleep%', db);
  const res = await runMysql({
    url: MYSQL_URL,
    database: db,
    statements: ['create table a(x int)', 'select sleep(30)', 'create table b(x int)'],
    port,
    maxLogLines: 100,
  });
  await kill;
  t.match(res, { ok: true, failed: { index: 1, message: /connection|killed/i } });
});

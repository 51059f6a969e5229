import { MessageChannel } from 'node:worker_threads';
import t from 'tap';
import { type LogMessage, runPsql } from '../../../../../lib/prepare/kinds/psql/run-task.js';
import { createWorkerPool } from '../../../../../runtime/pool/pool.js';
import {
  backendsRunning,
  terminateBackends,
  uniqueName,
  whenRunning,
} from '../../../../helpers/postgres.js';

const env = {
  PATH: process.env.PATH ?? '',
  PGHOST: '127.0.0.1',
  PGPORT: '5432',
  PGUSER: 'postgres',
  PGDATABASE: 'postgres',
};

function input(args: string[], extra: Partial<Parameters<typeof runPsql>[0]> = {}) {
  const channel = new MessageChannel();
  const lines: Array<Extract<LogMessage, { type: 'log' }>> = [];
  // The task's last message is 'end': once it has come, every line has.
  const ended = new Promise<void>((resolve) => {
    channel.port1.on('message', (m: LogMessage) => {
      if (m.type === 'log') lines.push(m);
      else resolve();
    });
  });
  return {
    lines,
    ended,
    channel,
    data: {
      psql: 'psql',
      args,
      env,
      cwd: '/',
      port: channel.port2,
      maxLogLines: 100,
      killGraceMs: 500,
      ...extra,
    },
  };
}

t.test('direct call: output lines, exit code, stderr tail', async (t) => {
  const ok = input(['-X', '-At', '-c', "select 'a' union all select 'b'"]);
  t.match(await runPsql(ok.data), { ok: true, exitCode: 0, cancelled: false });
  await ok.ended;
  t.same(ok.lines, [
    { type: 'log', stream: 'stdout', line: 'a' },
    { type: 'log', stream: 'stdout', line: 'b' },
  ]);
  const bad = input(['-X', '-v', 'ON_ERROR_STOP=1', '-c', 'select nope']);
  const res = await runPsql(bad.data);
  t.match(res, { ok: true, exitCode: 1 });
  if (res.ok) t.match(res.stderrTail.join('\n'), /column "nope" does not exist/);
  const stdin = input(['-X', '-At', '-f', '-'], { stdin: 'select 40 + 2;' });
  await runPsql(stdin.data);
  await stdin.ended;
  t.same(
    stdin.lines.map((l) => l.line),
    ['42'],
  );
});

t.test('output is bounded', async (t) => {
  const many = input(['-X', '-At', '-c', 'select generate_series(1, 50)'], { maxLogLines: 5 });
  await runPsql(many.data);
  await many.ended;
  t.equal(many.lines.length, 6);
  t.match(many.lines.at(-1), { line: /further output not shown/ });
});

t.test('a missing binary is an error result that says what to do, not a throw', async (t) => {
  const res = await runPsql(input(['-c', 'x'], { psql: '/nonexistent/psql' }).data);
  t.same(res, {
    ok: false,
    error: {
      code: 'unavailable',
      message: 'cannot run /nonexistent/psql: no such file or directory',
      details: 'install the PostgreSQL client (psql), or set SQLRS_PSQL to its path',
    },
  });
});

t.test('through the pool: cancel stops psql with SIGTERM', async (t) => {
  const pool = createWorkerPool(1);
  t.teardown(() => pool.close());
  const sleep = `select pg_sleep(30) as ${uniqueName('run_task_cancel')}`;
  // psql is gone at the cancel, but the server still runs its sleep: end it at the end.
  t.teardown(async () => terminateBackends(await backendsRunning(sleep)));
  const slow = input(['-X', '-c', sleep]);
  const running = pool.run('runPsql', slow.data, [slow.channel.port2]);
  // The cancel comes while psql runs its query, not before psql has started.
  await whenRunning(sleep);
  slow.channel.port1.postMessage('cancel');
  const res = await running;
  // Ended by the signal, not by the query's end (that would be exit code 0, no signal).
  t.match(res, { ok: true, cancelled: true, signal: 'SIGTERM', exitCode: null });
});

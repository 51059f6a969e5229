import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import t, { type Test } from 'tap';
import { EngineClient } from '../../cli/client.js';
import type { CliContext } from '../../cli/context.js';
import { watchJob } from '../../cli/watch.js';

// The engine's side is a stand-in here on purpose: what is checked is which requests the CLI
// makes while it follows a job's events, which a real engine would not let us count.

const TS = '2026-11-28T00:00:00.000Z';
const task = (id: string, status: string) => ({ type: 'task', ts: TS, task_id: id, status });
const RESULT = { type: 'result', ts: TS, result: { dsn: 'postgres://x@h/db' } };

async function fakeEngine(t: Test, events: object[], steps: number) {
  const seen: string[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    if (req.url?.endsWith('/events')) {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.end(events.map((e) => `${JSON.stringify(e)}\n`).join(''));
      return;
    }
    const tasks = Array.from({ length: steps }, (_, i) => ({ type: 'state_execute', id: i }));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ job_id: 'j1', tasks }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => {
    server.closeAllConnections();
    return new Promise((r) => server.close(r));
  });
  const { port } = server.address() as AddressInfo;
  const client = new EngineClient({
    endpoint: `127.0.0.1:${port}`,
    authToken: 'tok',
    stateDir: '/nowhere',
    version: '0',
    instanceId: 'i',
    pid: process.pid,
  });
  return { client, seen };
}

function context() {
  const out: string[] = [];
  const err: string[] = [];
  const ctx = {
    output: 'human',
    verbose: false,
    stderrIsTTY: false,
    stdin: new PassThrough(),
    out: (s: string) => out.push(s),
    err: (s: string) => err.push(s),
  } as unknown as CliContext;
  return { ctx, out, err };
}

t.test('a cache hit: the events alone, no request for the step count', async (t) => {
  const events: object[] = [task('plan', 'running'), task('plan', 'succeeded')];
  events.push(task('prepare-instance', 'succeeded'), RESULT);
  const { client, seen } = await fakeEngine(t, events, 0);
  const { ctx, out } = context();
  t.equal(await watchJob(ctx, client, 'j1'), 0);
  t.same(out, ['DSN=postgres://x@h/db\n']);
  t.same(seen, ['GET /v1/prepare-jobs/j1/events']);
});

t.test('a build: the step count asked once, shown as step n of m', async (t) => {
  const events: object[] = [task('plan', 'succeeded'), task('execute-0', 'running')];
  events.push(task('execute-0', 'succeeded'), task('execute-1', 'running'), RESULT);
  const { client, seen } = await fakeEngine(t, events, 2);
  const { ctx, out, err } = context();
  t.equal(await watchJob(ctx, client, 'j1'), 0);
  t.same(out, ['DSN=postgres://x@h/db\n']);
  t.same(seen, ['GET /v1/prepare-jobs/j1/events', 'GET /v1/prepare-jobs/j1']);
  t.match(err.join(''), 'execute-0 (step 1 of 2) running');
  t.match(err.join(''), 'execute-1 (step 2 of 2) running');
});

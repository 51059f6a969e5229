import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { inspect } from 'node:util';
import t, { type Test } from 'tap';
import { Sqlrs } from '../../../lib/client/index.js';
import { type RunningEngine, startEngine } from '../../../runtime/process/engine.js';
import { dropCatalogDatabases } from '../../helpers/catalog-cleanup.js';
import { tempDir } from '../../helpers/tmp.js';

/** A tiny real HTTP server standing in for an engine, to give answers an engine gives rarely. */
async function standIn(t: Test, handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => {
    server.closeAllConnections();
    return new Promise((r) => server.close(r));
  });
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const reply = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

/** An engine that answers 503 busy to the first `busyTimes` prepares, then runs a job. */
async function busyEngine(t: Test, busyTimes: number) {
  const seen = { posts: 0, deletes: 0 };
  const endpoint = await standIn(t, (req, res) => {
    // As the engine: health needs no token, everything else does (docs/api.md).
    if (req.method === 'GET' && req.url === '/v1/health') return reply(res, 200, { ok: true });
    if (req.headers.authorization !== 'Bearer tok')
      return reply(res, 401, { code: 'unauthorized', message: 'missing or wrong token' });
    if (req.method === 'POST' && req.url === '/v1/prepare-jobs') {
      seen.posts++;
      if (seen.posts <= busyTimes)
        return reply(res, 503, { code: 'busy', message: 'the job queue is full' });
      return reply(res, 202, { job_id: 'j1', status: 'queued' });
    }
    if (req.url === '/v1/prepare-jobs/j1/events') {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      const ts = new Date().toISOString();
      const result = { dsn: 'postgres://x/db', instance_id: 'i'.repeat(32), state_id: 's' };
      res.end(
        `${JSON.stringify({ type: 'status', ts, status: 'queued' })}\n${JSON.stringify({ type: 'result', ts, result })}\n`,
      );
      return;
    }
    if (req.method === 'DELETE') {
      seen.deletes++;
      return reply(res, 200, {});
    }
    reply(res, 404, { code: 'not_found', message: 'no' });
  });
  return { endpoint, seen };
}

t.test('503 busy is retried with backoff, then the job runs', async (t) => {
  const { endpoint, seen } = await busyEngine(t, 2);
  const client = await Sqlrs.connect({ endpoint, token: 'tok' });
  const db = await client.prepare({ psql: ['-c', 'select 1'] });
  t.equal(db.dsn, 'postgres://x/db');
  t.equal(seen.posts, 3, 'two busy answers, then accepted');
  await client.close();
  t.equal(seen.deletes, 1, 'close released it');
});

t.test('busy through every retry: code busy', async (t) => {
  const { endpoint, seen } = await busyEngine(t, 1000);
  const client = await Sqlrs.connect({ endpoint, token: 'tok' });
  t.teardown(() => client.close());
  await t.rejects(client.prepare({ psql: ['-c', 'select 1'] }), { code: 'busy', status: 503 });
  t.equal(seen.posts, 7, 'the first try and six retries');
});

t.test('a remote engine: unreachable, or refusing the token', async (t) => {
  // A port that was listening a moment ago and is closed now: nobody answers there.
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const free = `127.0.0.1:${(probe.address() as AddressInfo).port}`;
  await new Promise((r) => probe.close(r));
  await t.rejects(Sqlrs.connect({ endpoint: free }), {
    code: 'engine_unreachable',
    endpoint: `http://${free}`,
    message: new RegExp(`engine unreachable at http://${free}`),
  });
  const { endpoint, seen } = await busyEngine(t, 0);
  const client = await Sqlrs.connect({ endpoint: `http://${endpoint}`, token: 'wrong' });
  t.teardown(() => client.close());
  await t.rejects(client.prepare({ psql: ['-c', 'select 1'] }), {
    code: 'unauthorized',
    status: 401,
  });
  t.equal(seen.posts, 0, 'refused before the job');
});

t.test('the token never shows in a printed or serialised client', async (t) => {
  const token = 'f00dfeed'.repeat(8);
  const endpoint = await standIn(t, (_req, res) => reply(res, 200, { ok: true }));
  const client = await Sqlrs.connect({ endpoint, token });
  t.teardown(() => client.close());
  t.notMatch(inspect(client, { depth: Number.POSITIVE_INFINITY }), token, 'console.log');
  let json = '';
  try {
    json = JSON.stringify(client);
  } catch {
    // a circular structure: nothing printed
  }
  t.notMatch(json, token, 'JSON.stringify');
});

/** The engine of a state dir in this process, on a port of its choosing (0: any). */
async function engineOn(t: Test, stateDir: string, port: number): Promise<RunningEngine> {
  const engine = await startEngine({
    host: '127.0.0.1',
    port,
    stateDir,
    engineJson: join(stateDir, 'engine.json'),
    idleTimeoutMs: 0,
  });
  t.teardown(async () => {
    await engine.stop('test end');
    await dropCatalogDatabases(engine.store.catalogId);
  });
  return engine;
}

t.test('a local engine that restarted with a new token (and port) is found again', async (t) => {
  const stateDir = await tempDir(t);
  const first = await engineOn(t, stateDir, 0);
  const client = await Sqlrs.connect({ stateDir });
  t.teardown(() => client.close());
  const a = await client.prepare({ psql: ['-c', 'select 1'] });
  await first.stop('restart');
  // Same port, new token: the engine answers 401 and engine.json is read again.
  const port = Number(first.endpoint.split(':')[1]);
  const second = await engineOn(t, stateDir, port);
  t.not(second.authToken, first.authToken);
  const b = await client.prepare({ psql: ['-c', 'select 2'] });
  t.equal(client.endpoint, `http://${second.endpoint}`);
  await second.stop('restart');
  // Another port: nothing answers at the old one, and engine.json names the new one.
  const third = await engineOn(t, stateDir, 0);
  await b.release();
  await a.release();
  t.equal(client.endpoint, `http://${third.endpoint}`);
  const listed = await fetch(`http://${third.endpoint}/v1/instances`, {
    headers: { authorization: `Bearer ${third.authToken}` },
  }).then((r) => r.json());
  t.same(listed, [], 'both released through the engine that holds them now');
});

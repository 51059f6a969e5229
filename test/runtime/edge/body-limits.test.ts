import { connect } from 'node:net';
import t from 'tap';
import { createFetchHandler } from '../../../runtime/cloud/fetch.js';
import { createLambdaHandler } from '../../../runtime/cloud/lambda.js';
import { testEngine } from '../../helpers/engine.js';
import { statusOf } from '../../helpers/raw-http.js';
import { tempDir } from '../../helpers/tmp.js';

// Every adapter checks the token and the declared size before it reads a body, then reads it
// with a cap (docs/api.md, "Bodies"). The uploads here are far above the cap; what is counted
// is how much of them the engine pulled.

const TOKEN = 'b'.repeat(64);
const CAP = 64 * 1024;
const CHUNK = 64 * 1024;
/** A safety stop so that an engine that reads everything still ends the test (and fails it). */
const STOP_AFTER = 1024;

/** A body that yields 64 KiB chunks until STOP_AFTER, counting the chunks pulled. */
function endlessBody() {
  const chunk = new Uint8Array(CHUNK).fill(120);
  const seen = { pulled: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      seen.pulled++;
      if (seen.pulled > STOP_AFTER) controller.close();
      else controller.enqueue(chunk);
    },
    cancel() {
      seen.cancelled = true;
    },
  });
  return { stream, seen };
}

function post(stream: ReadableStream<Uint8Array>, headers: Record<string, string>) {
  return new Request('http://sqlrs.invalid/v1/prepare-jobs', {
    method: 'POST',
    headers,
    body: stream,
    duplex: 'half',
  } as RequestInit);
}

t.test('Fetch: a streamed body without a token is 401 and is not read', async (t) => {
  const handler = createFetchHandler({ stateDir: await tempDir(t), authToken: TOKEN });
  t.teardown(() => handler.close());
  const { stream, seen } = endlessBody();
  const res = await handler(post(stream, {}));
  t.equal(res.status, 401);
  t.match(await res.json(), { code: 'unauthorized' });
  t.ok(seen.pulled <= 2, `chunks pulled: ${seen.pulled}`);
  t.ok(seen.cancelled, 'the body stream is cancelled');
});

t.test('Fetch: a streamed body over the cap is cut at the cap and answered 413', async (t) => {
  const handler = createFetchHandler({
    stateDir: await tempDir(t),
    authToken: TOKEN,
    config: { max_body_bytes: CAP },
  });
  t.teardown(() => handler.close());
  const { stream, seen } = endlessBody();
  const res = await handler(post(stream, { authorization: `Bearer ${TOKEN}` }));
  t.equal(res.status, 413);
  t.match(await res.json(), { code: 'payload_too_large' });
  t.ok(seen.pulled <= CAP / CHUNK + 3, `chunks pulled: ${seen.pulled}`);
  t.ok(seen.cancelled, 'the body stream is cancelled');
});

t.test('Fetch: a declared length over the cap without a token is 401', async (t) => {
  const handler = createFetchHandler({ stateDir: await tempDir(t), authToken: TOKEN });
  t.teardown(() => handler.close());
  const { stream, seen } = endlessBody();
  const res = await handler(post(stream, { 'content-length': String(1024 * 1024 * 1024) }));
  t.equal(res.status, 401, 'the token is checked first: no limit is told to a stranger');
  t.ok(seen.pulled <= 2, `chunks pulled: ${seen.pulled}`);
});

interface Flood {
  reply: string;
  sent: number;
  closed: boolean;
}

/**
 * Sends a request head, then chunked data as fast as the server takes it, until the server
 * closes the connection or `limit` bytes are sent. The reply is whatever came back.
 */
function flood(endpoint: string, head: string, limit: number): Promise<Flood> {
  const [host, port] = endpoint.split(':');
  const piece = `${CHUNK.toString(16)}\r\n${'x'.repeat(CHUNK)}\r\n`;
  return new Promise((resolve) => {
    const out: Flood = { reply: '', sent: 0, closed: false };
    const socket = connect(Number(port), host as string);
    socket.on('data', (d) => {
      out.reply += d.toString();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      out.closed = true;
      resolve(out);
    });
    const pump = () => {
      while (!out.closed && out.sent < limit) {
        out.sent += piece.length;
        if (!socket.write(piece)) return void socket.once('drain', pump);
      }
      if (!out.closed) socket.end();
    };
    socket.once('connect', () => {
      socket.write(head);
      pump();
    });
  });
}

const firstLine = (reply: string) => reply.split('\r\n')[0] ?? '';

const LIMIT = 256 * 1024 * 1024;
/** Loopback socket buffers hold a few MiB; the engine's default cap is 16 MiB. */
const BOUND = 12 * 1024 * 1024;

t.test(
  'node:http: a chunked body without a token is 401, then the connection is closed',
  async (t) => {
    const e = await testEngine(t);
    const head = `POST /v1/prepare-jobs HTTP/1.1\r\nHost: ${e.endpoint}\r\nTransfer-Encoding: chunked\r\n\r\n`;
    const res = await flood(e.endpoint, head, LIMIT);
    t.equal(statusOf(res.reply), 401, firstLine(res.reply));
    t.match(res.reply, /"code":"unauthorized"/);
    t.ok(res.closed, 'closed by the server');
    t.ok(res.sent < BOUND, `sent before the close: ${(res.sent / 1048576).toFixed(1)} MiB`);
    t.equal((await e.get('/v1/health')).status, 200, 'still serving');
  },
);

t.test(
  'node:http: a chunked body over the cap is 413, then the connection is closed',
  async (t) => {
    const e = await testEngine(t, { config: { max_body_bytes: CAP } });
    const head =
      `POST /v1/prepare-jobs HTTP/1.1\r\nHost: ${e.endpoint}\r\n` +
      `Authorization: Bearer ${e.authToken}\r\nTransfer-Encoding: chunked\r\n\r\n`;
    const res = await flood(e.endpoint, head, LIMIT);
    t.equal(statusOf(res.reply), 413, firstLine(res.reply));
    t.match(res.reply, /"code":"payload_too_large"/);
    t.ok(res.closed, 'closed by the server');
    t.ok(res.sent < BOUND, `sent before the close: ${(res.sent / 1048576).toFixed(1)} MiB`);
  },
);

t.test('node:http: a declared length over the cap without a token is 401', async (t) => {
  const e = await testEngine(t);
  const head =
    `POST /v1/prepare-jobs HTTP/1.1\r\nHost: ${e.endpoint}\r\n` +
    `Content-Length: ${1024 * 1024 * 1024}\r\n\r\n`;
  const res = await flood(e.endpoint, head, LIMIT);
  t.equal(statusOf(res.reply), 401, firstLine(res.reply));
  t.ok(res.sent < BOUND, `sent before the close: ${(res.sent / 1048576).toFixed(1)} MiB`);
});

t.test('Lambda: the token and the size are checked before the body is decoded', async (t) => {
  const handler = createLambdaHandler({
    stateDir: await tempDir(t),
    authToken: TOKEN,
    config: { max_body_bytes: CAP },
  });
  t.teardown(() => handler.close());
  const event = (body: string, token?: string) => ({
    version: '2.0',
    rawPath: '/v1/prepare-jobs',
    headers: token ? { authorization: `Bearer ${token}` } : {},
    body,
    isBase64Encoded: true,
    requestContext: { http: { method: 'POST', path: '/v1/prepare-jobs' } },
  });
  const stranger = await handler(event('%%% not base64 %%%'));
  t.equal(stranger.statusCode, 401, 'no token: 401 before the body is looked at');
  // Over the cap once decoded: the length is computed from the base64 text alone.
  const big = 'QUJD'.repeat(CAP / 3 + 1);
  t.equal((await handler(event(big))).statusCode, 401);
  const tooBig = await handler(event(big, TOKEN));
  t.equal(tooBig.statusCode, 413);
  const justUnder = 'QUJD'.repeat(CAP / 4);
  const under = await handler(event(justUnder, TOKEN));
  t.equal(under.statusCode, 400, 'under the cap: read, then refused as not JSON');
  t.match(JSON.parse(under.body), { message: /not valid JSON/ });
});

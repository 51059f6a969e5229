import { connect } from 'node:net';
import { Readable } from 'node:stream';
import t from 'tap';
import { request } from 'undici';
import { createDispatcher } from '../../../runtime/edge/dispatch.js';
import { NDJSON, PAGE_SIZE } from '../../../runtime/edge/listing/stream.js';
import { ROUTES } from '../../../runtime/edge/routes.js';
import { testEngine } from '../../helpers/engine.js';
import { rawHttp, statusOf } from '../../helpers/raw-http.js';
import { stateRow } from '../../helpers/rows.js';
import { conforms } from '../../helpers/schema.js';

t.test('401 on every guarded route, with no token and with a wrong one', async (t) => {
  const e = await testEngine(t);
  const guarded = ROUTES.filter((r) => r.auth);
  t.ok(guarded.length >= 6);
  for (const route of guarded) {
    const path = route.pattern.replace(/:[A-Za-z]+/g, 'a'.repeat(32));
    for (const token of [null, 'f'.repeat(64)]) {
      const res = await e.call(route.method, path, { token });
      t.equal(
        res.status,
        401,
        `${route.method} ${route.pattern} token=${token ? 'wrong' : 'none'}`,
      );
      conforms(t, 'error.json', res.json());
    }
  }
});

t.test('huge bodies are refused with 413 without reading them all', async (t) => {
  const e = await testEngine(t);
  const declared = await rawHttp(
    e.endpoint,
    `POST /v1/prepare-jobs HTTP/1.1\r\nHost: ${e.endpoint}\r\nAuthorization: Bearer ${e.authToken}\r\n` +
      `Content-Length: ${17 * 1024 * 1024}\r\n\r\n{"a":`,
  );
  t.equal(statusOf(declared), 413);
  t.match(declared, /"code":"payload_too_large"/);
  const chunk = 'x'.repeat(1024 * 1024);
  const res = await request(e.url('/v1/prepare-jobs'), {
    method: 'POST',
    headers: { authorization: `Bearer ${e.authToken}` },
    body: Readable.from(
      (async function* () {
        for (let i = 0; i < 20; i++) yield chunk;
      })(),
    ),
  }).catch((err: Error) => err);
  if (res instanceof Error) t.pass(`server cut the upload: ${res.message}`);
  else t.equal(res.statusCode, 413, 'chunked upload over the limit');
  t.equal((await e.get('/v1/health')).status, 200, 'still serving');
});

t.test('odd paths never crash or 500', async (t) => {
  const e = await testEngine(t);
  const auth = `Authorization: Bearer ${e.authToken}\r\n`;
  const paths = [
    '/v1/../v1/states',
    '/v1/states/%2e%2e',
    '/v1/states/..%2F..%2Fetc%2Fpasswd',
    `/v1/states/${'a'.repeat(8000)}`,
    `/v1/names/${'%41'.repeat(2000)}`,
    '//v1//states',
    '/v1/states/%',
    '/v1/states?%zz=%',
    '/v1/instances/%00',
    '/',
    '*',
  ];
  for (const path of paths) {
    const reply = await rawHttp(
      e.endpoint,
      `GET ${path} HTTP/1.1\r\nHost: ${e.endpoint}\r\n${auth}Connection: close\r\n\r\n`,
    );
    const status = statusOf(reply);
    t.ok(status >= 400 && status < 500, `${path.slice(0, 40)} -> ${status}`);
  }
  const malformed = await rawHttp(e.endpoint, 'GARBAGE\r\n\r\n');
  t.ok(malformed === '' || statusOf(malformed) === 400, 'a malformed request line');
  t.equal((await e.get('/v1/health')).status, 200, 'still serving');
});

t.test('10,000 states stream as NDJSON without building the response in memory', async (t) => {
  const e = await testEngine(t);
  const rows = Array.from({ length: 10_000 }, () => stateRow());
  await e.store.write((w) => {
    for (const r of rows) w.insertState(r);
  });
  const pagesRead: number[] = [];
  const original = e.store.listStates;
  e.store.listStates = (filter, page) => {
    const out = original(filter, page);
    pagesRead.push(out.length);
    return out;
  };
  t.teardown(() => {
    e.store.listStates = original;
  });
  // Through the dispatcher (what every adapter writes from): pull one chunk, count pages read.
  const dispatch = createDispatcher({ routes: ROUTES, deps: e.deps, authToken: e.authToken });
  const res = await dispatch({
    method: 'GET',
    url: '/v1/states',
    headers: { authorization: `Bearer ${e.authToken}`, accept: NDJSON },
  });
  const iterator = (res.stream as AsyncIterable<string | Uint8Array>)[Symbol.asyncIterator]();
  const first = await iterator.next();
  t.equal(pagesRead.length, 1, 'the first line is out after one page of rows was read');
  t.equal(JSON.parse(String(first.value).split('\n')[0] as string).refcount, 0);
  for (let next = await iterator.next(); !next.done; next = await iterator.next());
  t.equal(pagesRead.length, rows.length / PAGE_SIZE + 1, 'then page by page, plus one empty read');
  t.ok(pagesRead.every((n) => n <= PAGE_SIZE));

  // And over a real socket: every row arrives once.
  const http = await request(e.url('/v1/states'), {
    headers: { authorization: `Bearer ${e.authToken}`, accept: NDJSON },
  });
  const lines = (await http.body.text()).trim().split('\n');
  t.equal(lines.length, 10_000);
  t.same(new Set(lines.map((l) => JSON.parse(l).state_id)).size, 10_000, 'every row once');
});

t.test('a client that leaves mid-stream does not hurt the engine', async (t) => {
  const e = await testEngine(t);
  await e.store.write((w) => {
    for (let i = 0; i < 3000; i++) w.insertState(stateRow());
  });
  const [host, port] = e.endpoint.split(':');
  await new Promise<void>((resolve) => {
    const socket = connect(Number(port), host as string, () => {
      socket.write(
        `GET /v1/states HTTP/1.1\r\nHost: ${e.endpoint}\r\nAuthorization: Bearer ${e.authToken}\r\n\r\n`,
      );
    });
    // Leave as soon as the first bytes arrive: the server must notice and stop the stream.
    socket.once('data', () => {
      socket.destroy();
      resolve();
    });
  });
  const res = await e.get('/v1/states');
  t.equal(res.status, 200);
  t.equal(res.json().length, 3000);
});

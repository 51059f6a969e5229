import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import { send, sendForText } from '../../../../lib/client/local-engine/http.js';

async function server(t: Test, handler: Parameters<typeof createServer>[1]) {
  const s = createServer(handler);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  t.teardown(() => {
    s.closeAllConnections();
    s.close();
  });
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

t.test('sends a body with its length and reads the answer', async (t) => {
  const url = await server(t, (req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () =>
      res.end(JSON.stringify({ method: req.method, len: req.headers['content-length'], body })),
    );
  });
  const reply = await sendForText(`${url}/x`, {
    method: 'POST',
    body: '{"é":1}',
    idleTimeoutMs: 2000,
  });
  t.equal(reply.status, 200);
  t.same(JSON.parse(reply.text), { method: 'POST', len: '8', body: '{"é":1}' });
});

t.test('a server that never answers, or stalls mid-answer, is given up on', async (t) => {
  const url = await server(t, (req, res) => {
    if (req.url === '/stall') res.write('partial');
  });
  await t.rejects(sendForText(`${url}/silent`, { idleTimeoutMs: 200 }), /no answer within 200 ms/);
  await t.rejects(sendForText(`${url}/stall`, { idleTimeoutMs: 200 }), /stalled for 200 ms/);
});

t.test('an aborted request rejects', async (t) => {
  const url = await server(t, () => undefined);
  const ac = new AbortController();
  const pending = send(`${url}/x`, { idleTimeoutMs: 5000, signal: ac.signal });
  ac.abort();
  await t.rejects(pending, { name: 'AbortError' });
});

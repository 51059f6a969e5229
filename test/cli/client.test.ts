import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { EngineClient } from '../../cli/client.js';

t.test('an engine lost in the middle of an event stream is said so, exit code 3', async (t) => {
  const s = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    res.write('{"type":"status","status":"running"}\n');
    setTimeout(() => res.socket?.destroy(), 50);
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  t.teardown(() => s.close());
  const endpoint = `127.0.0.1:${(s.address() as AddressInfo).port}`;
  const client = new EngineClient({
    endpoint,
    authToken: 'x',
    stateDir: '/state',
    version: 'v',
    instanceId: 'i',
    pid: 1,
  });
  const seen: unknown[] = [];
  await t.rejects(
    (async () => {
      for await (const line of client.lines('/v1/prepare-jobs/j/events')) seen.push(line);
    })(),
    {
      exitCode: 3,
      message: new RegExp(`lost the engine at ${endpoint} in the middle of its answer`),
      details: "the engine's log: /state/logs/engine.log",
    },
  );
  t.same(seen, [{ type: 'status', status: 'running' }], 'what came before is delivered');
});

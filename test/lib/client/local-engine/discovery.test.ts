import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { findOrStartEngine } from '../../../../lib/client/local-engine/discovery.js';
import { liveEngine } from '../../../../lib/client/local-engine/live-engine.js';
import { writeEngineJson } from '../../../../lib/engine-files/engine-json.js';
import { tempDir } from '../../../helpers/tmp.js';

// What answers health here is a stand-in for an engine, so that the identity check can be
// given a wrong answer; test/cli/engine-start.test.ts (through the CLI) and
// test/lib/client/connect.test.ts start real engines.

async function healthServer(t: Test, instanceId: string): Promise<string> {
  const server = createServer((req, res) => {
    res.writeHead(req.url === '/v1/health' ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: true, version: '0', instanceId, pid: process.pid }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => {
    server.closeAllConnections();
    return new Promise((r) => server.close(r));
  });
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function stateDirWith(t: Test, endpoint: string, pid: number): Promise<string> {
  const dir = await tempDir(t);
  await writeEngineJson(join(dir, 'engine.json'), {
    endpoint,
    pid,
    startedAt: new Date().toISOString(),
    authToken: 'tok',
    version: '0',
    instanceId: 'engine-a',
  });
  return dir;
}

t.test('no engine.json, or one whose process is gone: no engine', async (t) => {
  t.equal(await liveEngine(await tempDir(t)), undefined);
  const endpoint = await healthServer(t, 'engine-a');
  t.equal(await liveEngine(await stateDirWith(t, endpoint, 2 ** 22 + 1)), undefined);
});

t.test('an engine that answers health as another instance is not ours', async (t) => {
  const endpoint = await healthServer(t, 'engine-b');
  t.equal(await liveEngine(await stateDirWith(t, endpoint, process.pid)), undefined);
});

t.test('the engine of engine.json, alive and the same instance, is found', async (t) => {
  const endpoint = await healthServer(t, 'engine-a');
  const dir = await stateDirWith(t, endpoint, process.pid);
  t.match(await liveEngine(dir), { endpoint, authToken: 'tok', stateDir: dir });
  // Found, so nothing is started: an engine binary that fails would show.
  const found = await findOrStartEngine(dir, { ...process.env, SQLRS_DAEMON_PATH: '/bin/false' });
  t.match(found, { endpoint, instanceId: 'engine-a' });
});

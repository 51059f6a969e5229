import { join } from 'node:path';
import t from 'tap';
import { liveEngine } from '../../../lib/client/local-engine/live-engine.js';
import { loopbackHostCheck } from '../../../runtime/edge/host-check.js';
import { startEngine } from '../../../runtime/process/engine.js';
import { testEngine } from '../../helpers/engine.js';
import { rawHttp, statusOf } from '../../helpers/raw-http.js';
import { tempDir } from '../../helpers/tmp.js';

// The loopback engine answers only requests addressed to itself (docs/api.md, "Host"): a web
// page that rebinds its own name to 127.0.0.1 still sends its own name as Host.

const get = (path: string, host: string | undefined, extra = '', version = '1.1') =>
  `GET ${path} HTTP/${version}\r\n${host === undefined ? '' : `Host: ${host}\r\n`}${extra}Connection: close\r\n\r\n`;

t.test('the loopback engine refuses a foreign Host before any route runs', async (t) => {
  const e = await testEngine(t);
  const port = e.endpoint.split(':')[1];
  const auth = `Authorization: Bearer ${e.authToken}\r\n`;
  for (const path of ['/v1/health', '/v1/openapi.json', '/v1/states', '/v1/nowhere']) {
    for (const host of [`evil.example:${port}`, 'evil.example', `127.0.0.1:${Number(port) + 1}`]) {
      const reply = await rawHttp(e.endpoint, get(path, host, auth));
      t.equal(statusOf(reply), 421, `${path} Host ${host}`);
      t.match(reply, /"code":"misdirected_request"/);
      t.notMatch(reply, /instanceId|"pid"/, 'nothing about the engine');
    }
  }
  const noHost = await rawHttp(e.endpoint, get('/v1/health', undefined, '', '1.0'));
  t.equal(statusOf(noHost), 421, 'HTTP/1.0 without Host');
  for (const host of [e.endpoint, `localhost:${port}`, `LOCALHOST:${port}`]) {
    const reply = await rawHttp(e.endpoint, get('/v1/health', host));
    t.equal(statusOf(reply), 200, `Host ${host}`);
    t.match(reply, /"instanceId"/);
  }
});

t.test('the CLI finds the engine through engine.json', async (t) => {
  const e = await testEngine(t);
  t.match(await liveEngine(e.stateDir), { endpoint: e.endpoint, instanceId: e.instanceId });
});

t.test('an engine on [::1] answers [::1]:port and localhost:port', async (t) => {
  const stateDir = await tempDir(t);
  const engine = await startEngine({
    host: '::1',
    port: 0,
    stateDir,
    engineJson: join(stateDir, 'engine.json'),
    idleTimeoutMs: 0,
  }).catch((err: Error) => err);
  if (engine instanceof Error) {
    t.comment(`no IPv6 loopback here: ${engine.message}`);
    return;
  }
  t.teardown(() => engine.stop('test end'));
  const port = engine.endpoint.split(':').at(-1);
  t.equal(engine.endpoint, `[::1]:${port}`);
  const ask = (host: string) =>
    new Promise<number>((resolve, reject) => {
      import('node:net').then(({ connect }) => {
        const socket = connect(Number(port), '::1');
        let out = '';
        socket.on('data', (d) => {
          out += d;
        });
        socket.on('error', reject);
        socket.on('close', () => resolve(statusOf(out)));
        socket.write(get('/v1/health', host));
      });
    });
  t.equal(await ask(`[::1]:${port}`), 200);
  t.equal(await ask(`localhost:${port}`), 200);
  t.equal(await ask(`127.0.0.1:${port}`), 421);
  t.match(await liveEngine(stateDir), { endpoint: engine.endpoint }, 'the CLI finds it');
});

t.test('an engine on a non-loopback address does not check Host', async (t) => {
  const stateDir = await tempDir(t);
  const engine = await startEngine({
    host: '0.0.0.0',
    port: 0,
    stateDir,
    engineJson: join(stateDir, 'engine.json'),
    idleTimeoutMs: 0,
  });
  t.teardown(() => engine.stop('test end'));
  const port = engine.endpoint.split(':').at(-1);
  const reply = await rawHttp(`127.0.0.1:${port}`, get('/v1/health', 'sqlrs.example.com'));
  t.equal(statusOf(reply), 200, 'its platform (a proxy, a load balancer) routes by host');
});

t.test('the Host values of a loopback address', async (t) => {
  const v4 = loopbackHostCheck({ address: '127.0.0.1', family: 'IPv4', port: 4000 });
  t.same(
    ['127.0.0.1:4000', 'localhost:4000', 'LocalHost:4000', '127.0.0.1', 'localhost', undefined].map(
      v4,
    ),
    [true, true, true, false, false, false],
  );
  const v6 = loopbackHostCheck({ address: '::1', family: 'IPv6', port: 80 });
  t.same(
    ['[::1]:80', '[::1]', 'localhost', 'localhost:80', '::1', '127.0.0.1:80'].map(v6),
    [true, true, true, true, false, false],
    'port 80 may be left out, as clients do',
  );
});

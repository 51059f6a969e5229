import t from 'tap';
import { testEngine } from '../helpers/engine.js';
import { conforms } from '../helpers/schema.js';

t.test('GET /v1/health needs no token and says who answers', async (t) => {
  const e = await testEngine(t);
  const res = await e.call('GET', '/v1/health', { token: null });
  t.equal(res.status, 200);
  conforms(t, 'health.json', res.json());
  t.same(res.json(), {
    ok: true,
    version: e.deps.engine.version,
    instanceId: e.instanceId,
    pid: process.pid,
  });
  const withBadToken = await e.call('GET', '/v1/health', { token: 'wrong' });
  t.equal(withBadToken.status, 200, 'a wrong token does not matter on health');
  const q = await e.call('GET', '/v1/health?verbose=1', { token: null });
  t.equal(q.status, 400);
});

t.test('health reports unknown databases to a token holder only', async (t) => {
  const e = await testEngine(t);
  e.deps.unknownDatabases = () => ['sqlrs_deadbeef_i_x'];
  const res = await e.get('/v1/health');
  conforms(t, 'health.json', res.json());
  t.same((res.json() as { details: unknown }).details, {
    unknown_databases: ['sqlrs_deadbeef_i_x'],
  });
  for (const token of [null, 'wrong']) {
    const stranger = await e.call('GET', '/v1/health', { token });
    t.equal(stranger.status, 200);
    t.same(
      Object.keys(stranger.json()).sort(),
      ['instanceId', 'ok', 'pid', 'version'],
      `no database names without the token (token=${token})`,
    );
  }
});

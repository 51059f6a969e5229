import t from 'tap';
import { resolveStateDir } from '../../../lib/engine-files/state-dir.js';
import { parseEngineFlags, parseListen } from '../../../runtime/process/flags.js';

t.test('listen addresses', async (t) => {
  t.same(parseListen('127.0.0.1:0'), { host: '127.0.0.1', port: 0 });
  t.same(parseListen('[::1]:8080'), { host: '::1', port: 8080 });
  t.throws(() => parseListen('127.0.0.1'), { code: 'invalid_argument' });
  t.throws(() => parseListen('h:70000'), { code: 'invalid_argument' });
});

t.test('engine flags', async (t) => {
  const f = parseEngineFlags([
    '--listen',
    '127.0.0.1:0',
    '--write-engine-json=/tmp/x/engine.json',
    '--idle-timeout',
    '0',
    '--version',
    'v9',
  ]);
  t.same(f.listen, { host: '127.0.0.1', port: 0 });
  t.equal(f.engineJson, '/tmp/x/engine.json');
  t.equal(f.idleTimeoutMs, 0);
  t.equal(f.version, 'v9');
  t.equal(parseEngineFlags(['--listen=a:1', '--write-engine-json=j']).idleTimeoutMs, 30_000);
  t.throws(() => parseEngineFlags(['--write-engine-json', 'x']), /--listen/);
  t.throws(() => parseEngineFlags(['--listen', 'a:1']), /--write-engine-json/);
  t.throws(() => parseEngineFlags(['--listen']), /needs a value/);
  t.throws(() => parseEngineFlags(['--bogus', '1']), /unknown argument --bogus/);
  t.throws(() => parseEngineFlags(['positional']), /unknown argument/);
});

t.test('state dir resolution', async (t) => {
  t.equal(resolveStateDir('/a/b/engine.json', undefined, {}), '/a/b');
  t.equal(resolveStateDir('/a/b/engine.json', undefined, { SQLRS_STATE_STORE: '/s' }), '/s');
  t.equal(resolveStateDir('/a/b/engine.json', '/f', { SQLRS_STATE_STORE: '/s' }), '/f');
});

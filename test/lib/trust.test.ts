import t from 'tap';
import { exposureOfHost, trustSettings } from '../../lib/trust.js';

t.test('loopback hosts and the rest', async (t) => {
  for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST', '::1', '[::1]']) {
    t.equal(exposureOfHost(h), 'loopback', h);
  }
  for (const h of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.2', 'example.com', '127.0.0.1.nip.io']) {
    t.equal(exposureOfHost(h), 'remote', h);
  }
});

t.test('defaults follow the exposure; config.json wins', async (t) => {
  t.same(trustSettings({}, 'loopback'), {
    exposure: 'loopback',
    psqlRestrict: false,
    hostFiles: true,
    buildRole: 'admin',
    stepTimeoutMs: 30 * 60_000,
  });
  t.same(trustSettings({}, 'remote'), {
    exposure: 'remote',
    psqlRestrict: true,
    hostFiles: false,
    buildRole: 'restricted',
    stepTimeoutMs: 30 * 60_000,
  });
  const given = trustSettings(
    { psql_restrict: true, host_files: false, build_role: 'restricted', step_timeout: '0' },
    'loopback',
  );
  t.same(
    [given.psqlRestrict, given.hostFiles, given.buildRole, given.stepTimeoutMs],
    [true, false, 'restricted', 0],
  );
  const open = trustSettings(
    { psql_restrict: false, host_files: true, build_role: 'admin' },
    'remote',
  );
  t.same([open.psqlRestrict, open.hostFiles, open.buildRole], [false, true, 'admin']);
});

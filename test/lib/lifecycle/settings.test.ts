import t from 'tap';
import { loadConfig } from '../../../lib/config.js';
import { lifetimeOf } from '../../../lib/lifecycle/expiry.js';
import { lifecycleSettings } from '../../../lib/lifecycle/settings.js';
import { compileSchemas } from '../../../lib/schemas.js';

t.test('defaults: 24h, 30s, 5m', async (t) => {
  t.same(lifecycleSettings({}), {
    instanceTtlMs: 86_400_000,
    reapIntervalMs: 30_000,
    graceMs: 300_000,
  });
});

t.test('values past their bounds are refused by name', async (t) => {
  t.throws(() => lifecycleSettings({ instance_ttl: '9000h' }), /instance_ttl must be 0 to 8784h/);
  t.throws(() => lifecycleSettings({ reap_interval: '0s' }), /reap_interval must be 10ms to 24h/);
  t.throws(() => lifecycleSettings({ reap_interval: '25h' }), /reap_interval must be/);
  t.throws(() => lifecycleSettings({ expiry_grace: 'x' }), /expiry_grace: invalid duration/);
});

t.test(
  'lifetimes: a TTL is fixed, an unnamed instance slides, a named one never expires',
  async (t) => {
    const at = '2026-01-01T00:00:00.000Z';
    t.same(lifetimeOf(at, { ttlSeconds: 30, named: true, instanceTtlMs: 1000 }), {
      expires_at: '2026-01-01T00:00:30.000Z',
      idle_ttl_seconds: null,
    });
    t.same(lifetimeOf(at, { named: false, instanceTtlMs: 3_600_000 }), {
      expires_at: '2026-01-01T01:00:00.000Z',
      idle_ttl_seconds: 3600,
    });
    t.same(lifetimeOf(at, { named: true, instanceTtlMs: 3_600_000 }), {
      expires_at: null,
      idle_ttl_seconds: null,
    });
    t.same(lifetimeOf(at, { named: false, instanceTtlMs: 0 }), {
      expires_at: null,
      idle_ttl_seconds: null,
    });
  },
);

t.test('the engine refuses bad lifecycle config at start, naming the field', async (t) => {
  const validators = compileSchemas();
  const load = (config: Record<string, unknown>) => () =>
    loadConfig('/nonexistent', validators, {}, config);
  t.throws(load({ reap_interval: '-1s' }), /reap_interval/);
  t.throws(load({ instance_ttl: 'x' }), /instance_ttl/);
  t.throws(load({ expiry_grace: '100000h' }), /expiry_grace must be 0 to 8784h/);
  t.throws(load({ reap_interval: '0' }), /reap_interval/);
  t.same(load({ instance_ttl: '0', reap_interval: '1s', expiry_grace: '0' })(), {
    instance_ttl: '0',
    reap_interval: '1s',
    expiry_grace: '0',
  });
});

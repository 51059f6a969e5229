import t from 'tap';
import { lifetimeOf } from '../../../lib/lifecycle/expiry.js';
import { lifecycleSettings } from '../../../lib/lifecycle/settings.js';

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

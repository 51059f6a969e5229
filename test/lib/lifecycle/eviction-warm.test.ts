import t from 'tap';
import type { CacheEvicted, CacheStatus } from '../../../lib/schema-types.js';
import { testEngine } from '../../helpers/engine.js';
import { conforms } from '../../helpers/schema.js';
import { baseCopies, prepared, SEED } from '../../helpers/warm-pool.js';

t.test('warm copies: listed on their state and in the cache; base copies go first', async (t) => {
  // A budget of one byte, but states used in the last ten minutes stay: only copies can go.
  const e = await testEngine(t, {
    config: { cache_max_bytes: 1, cache_min_age: '10m', warm_pool: { per_state: 1, max_total: 4 } },
  });
  const a = await prepared(e, SEED); // cold: built on the empty base, which earns a copy
  await prepared(e, SEED); // asked again: the state earns a copy
  const base = baseCopies(e);
  t.equal(base.length, 1, 'a copy of the empty base');
  const entry = (await e.get(`/v1/states/${a.state_id}`)).json();
  conforms(t, 'state-entry.json', entry);
  t.equal(entry.warm_copies.count, 1);
  t.equal(entry.warm_copies.bytes, e.store.getState(a.state_id)?.size_bytes);
  const status = (await e.get('/v1/cache')).json() as CacheStatus;
  t.match(status.servers[0], { warm_count: 2, state_count: 1, instance_count: 2 });

  const dry = (await e.call('POST', '/v1/cache/evict?dry_run=true')).json() as CacheEvicted;
  t.same(
    dry.evicted.map((x) => x.kind),
    ['warm_copy', 'warm_copy'],
    'only copies: the state is held (instances, recent use)',
  );
  t.equal(dry.evicted[0]?.id, base[0], 'the base copy first');

  // Deleting every state leaves the base copy, which the cache still counts and a pass drops.
  const rm = await e.call('DELETE', `/v1/states/${a.state_id}?recurse=true&force=true`);
  t.equal(rm.status, 200);
  const after = (await e.get('/v1/cache')).json() as CacheStatus;
  t.match(after.servers[0], { warm_count: 1, state_count: 0 });
  const pass = (await e.call('POST', '/v1/cache/evict')).json() as CacheEvicted;
  t.same(
    pass.evicted.map((x) => [x.kind, x.id]),
    [['warm_copy', base[0]]],
  );
  t.same(baseCopies(e), [], 'no copy left');
});

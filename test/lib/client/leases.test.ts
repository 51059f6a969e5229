import t from 'tap';
import { Leases } from '../../../lib/client/leases.js';
import { clientAndEngine } from '../../helpers/sqlrs-client.js';
import { until } from '../../helpers/until.js';

// A fast reaper and a 3 s lease: the leased instance outlives an unleased one made with the same
// ttl, which the reaper drops. Asserted by what the engine holds, not by the time it took.

t.test('a leased instance is renewed past its ttl; an unleased one expires', async (t) => {
  const { engine, client } = await clientAndEngine(
    t,
    { reap_interval: '100ms' },
    { leaseSeconds: 3 },
  );
  const leased = await client.prepare({ psql: ['-c', 'select 1'] });
  const first = (await engine.get(`/v1/instances/${leased.instanceId}`)).json().expires_at;
  const control = await client.prepare({ psql: ['-c', 'select 1'] }, { keep: true, ttlSeconds: 3 });
  await until(
    async () => (await engine.get(`/v1/instances/${control.instanceId}`)).status === 404,
    'the unleased instance is reaped',
  );
  const entry = (await engine.get(`/v1/instances/${leased.instanceId}`)).json();
  t.equal(entry.status, 'orphaned', 'still there, not expired');
  t.ok(Date.parse(entry.expires_at) > Date.parse(first), 'its expiry moved with each renewal');
  await leased.release();
  t.equal((await engine.get(`/v1/instances/${leased.instanceId}`)).status, 404);
});

t.test('a lease ends when its instance is deleted by someone else', async (t) => {
  const { engine, client } = await clientAndEngine(t, {}, { leaseSeconds: 3 });
  const db = await client.prepare({ psql: ['-c', 'select 1'] });
  t.equal((await engine.call('DELETE', `/v1/instances/${db.instanceId}`)).status, 200);
  // The next renewal answers 404 and the lease is let go: close has nothing left to release.
  const leases = (client as unknown as { leases: { size: number } }).leases;
  await until(() => leases.size === 0, 'the lease is dropped');
  await client.close();
});

t.test('failures are told once a run; "gone" ends the lease', async (t) => {
  const answers: (boolean | Error)[] = [
    new Error('a'),
    new Error('b'),
    true,
    new Error('c'),
    false,
  ];
  const told: string[] = [];
  const leases = new Leases(
    async () => {
      const next = answers.shift() as boolean | Error;
      if (next instanceof Error) throw next;
      return next;
    },
    { onFailure: (id, e) => told.push(`${id} ${e.message}`) },
  );
  leases.hold('x', 3600);
  for (let i = 0; i < 4; i++) await leases.renewNow('x');
  t.same(told, ['x a', 'x c'], 'the first of each run of failures');
  t.same(leases.ids(), ['x']);
  await leases.renewNow('x');
  t.equal(leases.size, 0, 'gone: dropped');
  await leases.renewNow('x');
  t.equal(answers.length, 0);
  t.equal(told.length, 2, 'a dropped lease is not renewed');
});

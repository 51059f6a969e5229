import t from 'tap';
import { testEngine } from '../helpers/engine.js';
import { hex, instanceRow } from '../helpers/rows.js';
import { conforms } from '../helpers/schema.js';
import { seedCatalog } from '../helpers/seed.js';

t.test('GET /v1/instances/{idOrName}: id, name redirect, prefix, 404', async (t) => {
  const e = await testEngine(t);
  const { named, orphan, child } = await seedCatalog(e.store);
  const byId = await e.get(`/v1/instances/${named.instance_id}`);
  t.equal(byId.status, 200);
  conforms(t, 'instance-entry.json', byId.json());
  t.match(byId.json(), { instance_id: named.instance_id, name: 'dev', dsn: named.dsn });
  t.equal((await e.get(`/v1/instances/${named.instance_id.toUpperCase()}`)).status, 200);

  const byName = await e.get('/v1/instances/dev');
  t.equal(byName.status, 307);
  t.equal(byName.headers.location, `/v1/instances/${named.instance_id}`);
  const byPrefix = await e.get(`/v1/instances/${orphan.instance_id.slice(0, 9)}`);
  t.equal(byPrefix.status, 307);
  t.equal(byPrefix.headers.location, `/v1/instances/${orphan.instance_id}`);

  t.equal((await e.get(`/v1/instances/${hex(16)}`)).status, 404, 'unknown id');
  t.equal((await e.get('/v1/instances/nobody')).status, 404);
  t.equal((await e.get(`/v1/instances/${'x'.repeat(5000)}`)).status, 404, 'very long segment');
  t.equal((await e.get('/v1/instances/..%2F..%2Fetc')).status, 404);

  // Two instances sharing a prefix: the prefix is ambiguous, never a guess.
  const a = instanceRow(child.state_id, { instance_id: `abcdef01${hex(12)}` });
  const b = instanceRow(child.state_id, { instance_id: `abcdef01${hex(12)}` });
  await e.store.write((w) => {
    w.insertInstance(a);
    w.insertInstance(b);
  });
  const amb = await e.get('/v1/instances/abcdef01');
  t.equal(amb.status, 409);
  t.match(amb.json(), { code: 'ambiguous' });
});

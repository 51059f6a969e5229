import t from 'tap';
import { testEngine } from '../helpers/engine.js';
import { conforms } from '../helpers/schema.js';
import { seedCatalog } from '../helpers/seed.js';

t.test('GET /v1/instances with filters', async (t) => {
  const e = await testEngine(t);
  const { named, orphan, child, root } = await seedCatalog(e.store);
  const all = await e.get('/v1/instances');
  t.equal(all.status, 200);
  conforms(t, 'instance-list.json', all.json());
  const list = all.json() as Array<{ instance_id: string; status: string; name?: string }>;
  t.equal(list.length, 2);
  t.match(
    list.find((i) => i.instance_id === named.instance_id),
    { status: 'active', name: 'dev' },
  );
  t.match(
    list.find((i) => i.instance_id === orphan.instance_id),
    { status: 'orphaned' },
  );
  const one = await e.get(`/v1/instances?id_prefix=${orphan.instance_id.slice(0, 10)}`);
  t.same(
    (one.json() as Array<{ instance_id: string }>).map((i) => i.instance_id),
    [orphan.instance_id],
  );
  t.equal((await e.get(`/v1/instances?state=${child.state_id}`)).json().length, 2);
  t.same((await e.get(`/v1/instances?state=${root.state_id}`)).json(), []);
  t.equal((await e.get('/v1/instances?image=postgres:15')).json().length, 2);
  for (const bad of [
    'id_prefix=abc',
    'id_prefix=zzzzzzzz',
    'state=',
    'x=1',
    'id_prefix=a&id_prefix=b',
  ]) {
    const res = await e.get(`/v1/instances?${bad}`);
    t.equal(res.status, 400, bad);
    conforms(t, 'error.json', res.json(), bad);
  }
});

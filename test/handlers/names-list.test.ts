import t from 'tap';
import { NDJSON } from '../../runtime/edge/listing/stream.js';
import { testEngine } from '../helpers/engine.js';
import { conforms } from '../helpers/schema.js';
import { seedCatalog } from '../helpers/seed.js';

t.test('GET /v1/names with filters, JSON and NDJSON', async (t) => {
  const e = await testEngine(t);
  const { named, child, orphan } = await seedCatalog(e.store);
  const all = await e.get('/v1/names');
  t.equal(all.status, 200);
  conforms(t, 'name-list.json', all.json());
  t.match(all.json(), [{ name: 'dev', instance_id: named.instance_id, status: 'active' }]);
  const byInstance = await e.get(
    `/v1/names?instance=${named.instance_id.slice(0, 8).toUpperCase()}`,
  );
  t.equal((byInstance.json() as unknown[]).length, 1, 'instance prefix, any case');
  t.same((await e.get(`/v1/names?instance=${orphan.instance_id}`)).json(), []);
  t.equal((await e.get(`/v1/names?state=${child.state_id}`)).text.includes('dev'), true);
  t.same((await e.get('/v1/names?image=mariadb:10.11')).json(), []);
  const nd = await e.get('/v1/names', { accept: NDJSON });
  t.equal(nd.headers['content-type'], NDJSON);
  t.equal(nd.text.trim().split('\n').length, 1);
  for (const bad of ['instance=xyz', 'state=1234567', 'bogus=1', 'image=']) {
    const res = await e.get(`/v1/names?${bad}`);
    t.equal(res.status, 400, bad);
    conforms(t, 'error.json', res.json(), bad);
  }
});

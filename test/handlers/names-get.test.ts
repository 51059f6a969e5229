import t from 'tap';
import { testEngine } from '../helpers/engine.js';
import { conforms } from '../helpers/schema.js';
import { seedCatalog } from '../helpers/seed.js';

t.test('GET /v1/names/{name}', async (t) => {
  const e = await testEngine(t);
  const { named } = await seedCatalog(e.store);
  const res = await e.get('/v1/names/dev');
  t.equal(res.status, 200);
  conforms(t, 'name-entry.json', res.json());
  t.match(res.json(), { name: 'dev', instance_id: named.instance_id, status: 'active' });
  t.equal((await e.get('/v1/names/nobody')).status, 404);
  t.equal((await e.get('/v1/names/..')).status, 404, '.. is a (missing) name, not a path step');
  t.equal((await e.get(`/v1/names/${'n'.repeat(64)}`)).status, 400, 'too long');
  t.equal((await e.get('/v1/names/a%2Fb')).status, 400, 'encoded slash');
  t.equal((await e.get('/v1/names/%ZZ')).status, 400, 'bad percent-encoding');
  t.equal((await e.get(`/v1/names/${'A'.repeat(32)}`)).status, 400, 'looks like an id');
  await e.store.write((w) => w.deleteInstance(named.instance_id));
  t.match((await e.get('/v1/names/dev')).json(), { status: 'missing' });
});

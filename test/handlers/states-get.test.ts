import t from 'tap';
import { testEngine } from '../helpers/engine.js';
import { hex, stateRow } from '../helpers/rows.js';
import { conforms } from '../helpers/schema.js';
import { seedCatalog } from '../helpers/seed.js';

t.test('GET /v1/states/{stateId}: full id, prefix, ambiguity, 404, 400', async (t) => {
  const e = await testEngine(t);
  const { root } = await seedCatalog(e.store);
  const res = await e.get(`/v1/states/${root.state_id}`);
  t.equal(res.status, 200);
  conforms(t, 'state-entry.json', res.json());
  t.match(res.json(), { state_id: root.state_id, parent_state_id: null, size_bytes: 1024 });
  t.equal((await e.get(`/v1/states/${root.state_id.slice(0, 8).toUpperCase()}`)).status, 200);
  t.equal((await e.get(`/v1/states/${hex(32)}`)).status, 404);
  t.equal((await e.get('/v1/states/1234567')).status, 400, 'prefix too short');
  t.equal((await e.get('/v1/states/not-hex-at-all')).status, 400);
  t.equal((await e.get(`/v1/states/${'f'.repeat(65)}`)).status, 400);
  await e.store.write((w) => {
    w.insertState(stateRow({ state_id: `0123456789${hex(27)}` }));
    w.insertState(stateRow({ state_id: `0123456789${hex(27)}` }));
  });
  const amb = await e.get('/v1/states/0123456789');
  t.equal(amb.status, 409);
  t.match(amb.json(), { code: 'ambiguous', message: /ambiguous/ });
});

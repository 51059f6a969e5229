import t from 'tap';
import { NDJSON } from '../../lib/stream.js';
import { testEngine } from '../helpers/engine.js';
import { conforms } from '../helpers/schema.js';
import { seedCatalog } from '../helpers/seed.js';

t.test('GET /v1/states with filters', async (t) => {
  const e = await testEngine(t);
  const { root, child, other } = await seedCatalog(e.store);
  const all = await e.get('/v1/states');
  t.equal(all.status, 200);
  conforms(t, 'state-list.json', all.json());
  t.equal(all.json().length, 3);
  const byParent = await e.get(`/v1/states?parent=${root.state_id.slice(0, 8)}`);
  t.same(
    byParent.json().map((s: { state_id: string }) => s.state_id),
    [child.state_id],
  );
  t.match(byParent.json(), [{ refcount: 2, parent_state_id: root.state_id }]);
  t.same(
    (await e.get('/v1/states?kind=mysql')).json().map((s: { state_id: string }) => s.state_id),
    [other.state_id],
  );
  t.equal((await e.get('/v1/states?image=postgres:15')).json().length, 2);
  t.equal((await e.get(`/v1/states?id_prefix=${root.state_id.slice(0, 20)}`)).json().length, 1);
  const nd = await e.get('/v1/states', { accept: `text/plain, ${NDJSON}` });
  t.equal(nd.headers['content-type'], NDJSON);
  const lines = nd.text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  t.equal(lines.length, 3);
  for (const line of lines) conforms(t, 'state-entry.json', line);
  for (const bad of ['kind=oracle', 'id_prefix=123', 'parent=xyz', 'limit=1']) {
    t.equal((await e.get(`/v1/states?${bad}`)).status, 400, bad);
  }
});

t.test('GET /v1/states of an unchanged catalog is kept, and a write shows at once', async (t) => {
  const e = await testEngine(t);
  const { root } = await seedCatalog(e.store);
  const first = await e.get('/v1/states');
  const second = await e.get('/v1/states');
  t.equal(second.text, first.text);
  t.equal(second.headers['content-length'], String(Buffer.byteLength(first.text)));
  await e.store.write((w) => w.touchState(root.state_id, '2030-01-01T00:00:00.000Z'));
  const third = (await e.get('/v1/states')).json();
  t.equal(
    third.find((s: { state_id: string }) => s.state_id === root.state_id).last_used_at,
    '2030-01-01T00:00:00.000Z',
  );
});

t.test('list_cache_bytes 0: every listing is rendered', async (t) => {
  const e = await testEngine(t, { config: { list_cache_bytes: 0 } });
  await seedCatalog(e.store);
  await e.get('/v1/states');
  const again = await e.get('/v1/states');
  t.equal(again.headers['content-length'], undefined, 'streamed, not kept');
  t.equal(again.json().length, 3);
});

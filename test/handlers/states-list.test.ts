import t from 'tap';
import { NDJSON } from '../../runtime/edge/listing/stream.js';
import { testEngine } from '../helpers/engine.js';
import { instanceRow, stateRow } from '../helpers/rows.js';
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

t.test('after writes a kept listing is patched, filters and refcounts included', async (t) => {
  const e = await testEngine(t);
  const plain = await testEngine(t, { config: { list_cache_bytes: 0 } });
  const seeded = await seedCatalog(e.store);
  await plain.store.write((w) => {
    for (const s of [seeded.root, seeded.child, seeded.other]) w.insertState(s);
    for (const i of [seeded.named, seeded.orphan]) w.insertInstance(i);
  });
  const paths = ['/v1/states', '/v1/states?image=postgres:15', `/v1/states?kind=mysql`];
  for (const path of paths) await e.get(path); // kept
  const extra = stateRow({ image_id: 'mariadb:10.11', prepare_kind: 'mysql' });
  const inst = instanceRow(seeded.root.state_id);
  for (const store of [e.store, plain.store]) {
    await store.write((w) => {
      w.touchState(seeded.child.state_id, '2030-01-01T00:00:00.000Z');
      w.deleteInstance(seeded.orphan.instance_id);
      w.insertInstance(inst);
      w.insertState(extra);
    });
    await store.write((w) => w.deleteState(seeded.other.state_id));
  }
  for (const path of paths) {
    for (const accept of ['application/json', NDJSON]) {
      const kept = await e.get(path, { accept });
      t.ok(kept.headers['content-length'], `${path} ${accept}: sent from the kept listing`);
      t.equal(kept.text, (await plain.get(path, { accept })).text, 'as rendered afresh');
    }
  }
  t.match((await e.get('/v1/states?image=postgres:15')).json(), [{ refcount: 1 }, { refcount: 1 }]);
});

t.test('list_cache_bytes 0: every listing is rendered', async (t) => {
  const e = await testEngine(t, { config: { list_cache_bytes: 0 } });
  await seedCatalog(e.store);
  await e.get('/v1/states');
  const again = await e.get('/v1/states');
  t.equal(again.headers['content-length'], undefined, 'streamed, not kept');
  t.equal(again.json().length, 3);
});

import t from 'tap';
import { ListCache } from '../../lib/list-cache.js';
import { cachedListResponse, listResponse, NDJSON, pages } from '../../lib/stream.js';

async function text(r: { stream?: AsyncIterable<string | Uint8Array>; bytes?: Uint8Array }) {
  if (r.bytes) return Buffer.from(r.bytes).toString();
  let out = '';
  for await (const c of r.stream ?? [])
    out += typeof c === 'string' ? c : Buffer.from(c).toString();
  return out;
}

t.test('the cache: per generation, bounded by bytes', async (t) => {
  const cache = new ListCache(10);
  cache.set(1, 'a', Buffer.from('12345'));
  t.same(cache.get(1, 'a'), Buffer.from('12345'));
  cache.set(1, 'b', Buffer.from('123456'));
  t.equal(cache.get(1, 'b'), undefined, 'past the cap: not kept');
  t.equal(cache.size, 5);
  t.equal(cache.get(2, 'a'), undefined, 'a new generation drops the old listings');
  t.equal(cache.size, 0);
});

/** A catalog of numbered rows whose generation the test moves. */
function catalog(n: number) {
  const rows = Array.from({ length: n }, (_, i) => ({ id: String(i).padStart(6, '0'), v: 'é' }));
  const state = { generation: 1, reads: 0 };
  const read = (after: string | undefined, limit: number) => {
    state.reads++;
    return rows.filter((r) => after === undefined || r.id > after).slice(0, limit);
  };
  return { rows, state, read, rowKey: (r: { id: string }) => r.id };
}

t.test('a kept listing has the bytes of a rendered one, in both formats', async (t) => {
  for (const n of [0, 1, 500, 1200]) {
    const c = catalog(n);
    const cache = new ListCache();
    const src = { ...c, cache, generation: () => c.state.generation, key: 'k' };
    for (const accept of [undefined, NDJSON]) {
      const plain = await text(listResponse(pages(c.read, c.rowKey), accept));
      const first = cachedListResponse(src, accept);
      t.equal(await text(first), plain, `${n} rows, ${accept ?? 'json'}: rendered`);
      const readsBefore = c.state.reads;
      const second = cachedListResponse(src, accept);
      t.ok(second.bytes, 'then kept');
      t.equal(await text(second), plain, 'same bytes');
      t.equal(c.state.reads, readsBefore, 'without reading the catalog');
      t.equal(second.headers['content-type'], accept ?? 'application/json');
    }
    if (n > 0) t.same(JSON.parse(await text(cachedListResponse(src))), c.rows);
  }
});

t.test('a change is seen at once; a listing read across a change is not kept', async (t) => {
  const c = catalog(1200);
  const cache = new ListCache();
  const src = { ...c, cache, generation: () => c.state.generation, key: 'k' };
  await text(cachedListResponse(src, NDJSON));
  c.rows.pop();
  c.state.generation++;
  const after = await text(cachedListResponse(src, NDJSON));
  t.equal(after.trim().split('\n').length, 1199, 'the new generation is read');
  c.state.generation++;
  const res = cachedListResponse(src, NDJSON);
  let chunks = 0;
  for await (const _ of res.stream ?? []) {
    if (chunks++ === 0) c.state.generation++; // a write between two pages
  }
  const next = cachedListResponse(src, NDJSON);
  t.notOk(next.bytes, 'not kept');
  await text(next);
  t.ok(cachedListResponse(src, NDJSON).bytes, 'the next complete listing is');
});

t.test('a listing bigger than the cache is streamed every time', async (t) => {
  const c = catalog(1200);
  const src = { ...c, cache: new ListCache(1000), generation: () => 1, key: 'k' };
  await text(cachedListResponse(src));
  t.notOk(cachedListResponse(src).bytes);
});

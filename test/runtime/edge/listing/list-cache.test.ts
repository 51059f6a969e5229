import t from 'tap';
import { KeptListing } from '../../../../runtime/edge/listing/kept-listing.js';
import { ListCache } from '../../../../runtime/edge/listing/list-cache.js';
import { listResponse, NDJSON, PAGE_SIZE, pages } from '../../../../runtime/edge/listing/stream.js';

interface Row {
  id: string;
  v: string;
}

async function text(r: {
  stream?: AsyncIterable<string | Uint8Array>;
  chunks?: readonly Uint8Array[];
}) {
  if (r.chunks) return Buffer.concat(r.chunks).toString();
  let out = '';
  for await (const c of r.stream ?? [])
    out += typeof c === 'string' ? c : Buffer.from(c).toString();
  return out;
}

/**
 * A catalog of numbered rows with a write generation and a log of changed keys, as the store
 * keeps them (the store's own log is tested with sql.js in store/sqljs/changed-states).
 */
function catalog(n: number, cache = new ListCache()) {
  const rows = new Map<string, Row>();
  for (let i = 0; i < n; i++) rows.set(id(i), { id: id(i), v: 'é' });
  const log: Array<{ generation: number; key: string }> = [];
  const state = { generation: 1, reads: 0, keyReads: 0, floor: 0 };
  const sorted = () => [...rows.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
  const src = {
    key: 'k',
    generation: () => state.generation,
    read: (after: string | undefined, limit: number) => {
      state.reads++;
      return sorted()
        .filter((r) => after === undefined || r.id > after)
        .slice(0, limit);
    },
    rowKey: (r: Row) => r.id,
    changedSince: (g: number) =>
      g < state.floor ? undefined : new Set(log.filter((e) => e.generation > g).map((e) => e.key)),
    readKeys: (keys: string[]) => {
      state.keyReads++;
      return keys.flatMap((k) => rows.get(k) ?? []);
    },
  };
  const write = (key: string, row: Row | undefined) => {
    state.generation++;
    if (row) rows.set(key, row);
    else rows.delete(key);
    log.push({ generation: state.generation, key });
  };
  const rendered = (accept?: string) => text(listResponse(pages(src.read, src.rowKey), accept));
  return { src, state, write, rendered, sorted, cache };
}

const id = (i: number) => String(i).padStart(6, '0');

t.test('a kept listing has the bytes of a rendered one, in both formats', async (t) => {
  for (const n of [0, 1, 500, 1200]) {
    const c = catalog(n);
    const first = c.cache.respond(c.src);
    t.ok(first.stream, `${n} rows: rendered the first time`);
    t.equal(await text(first), await c.rendered());
    for (const accept of [undefined, NDJSON]) {
      const plain = await c.rendered(accept);
      const readsBefore = c.state.reads;
      const second = c.cache.respond(c.src, accept);
      t.ok(second.chunks, `${accept ?? 'json'}: then kept, one listing for both formats`);
      t.equal(await text(second), plain, 'same bytes');
      t.equal(c.state.reads, readsBefore, 'without reading the catalog');
      t.equal(second.headers['content-type'], accept ?? 'application/json');
    }
    if (n > 0) t.same(JSON.parse(await text(c.cache.respond(c.src))), c.sorted());
  }
});

t.test('after writes, a kept listing is patched: only the changed rows are read', async (t) => {
  const c = catalog(1200);
  await text(c.cache.respond(c.src, NDJSON));
  c.write(id(5), { id: id(5), v: 'changed' });
  c.write(id(700), undefined);
  c.write('000700x', { id: '000700x', v: 'new' });
  c.write('999999', { id: '999999', v: 'last' });
  const reads = c.state.reads;
  const sent = [NDJSON, undefined].map((accept) => c.cache.respond(c.src, accept));
  t.equal(c.state.reads, reads, 'no page read');
  t.equal(c.state.keyReads, 1, 'one read of the changed keys');
  c.state.generation++; // a write that changed no entry
  t.ok(c.cache.respond(c.src, NDJSON).chunks);
  t.equal(c.state.keyReads, 1, 'nothing to read again');
  t.ok(sent[0]?.chunks && sent[1]?.chunks, 'sent from the kept rows');
  t.equal(await text(sent[0] ?? {}), await c.rendered(NDJSON), 'as a fresh rendering: ndjson');
  t.equal(await text(sent[1] ?? {}), await c.rendered(), 'json');
});

t.test('after a commit the kept listings are patched in a turn of their own', async (t) => {
  const c = catalog(1200);
  await text(c.cache.respond(c.src, NDJSON));
  c.write(id(9), { id: id(9), v: 'z' });
  c.cache.changed();
  c.cache.changed(); // once per turn
  t.equal(c.state.keyReads, 0, 'not at once');
  await new Promise((r) => setImmediate(r));
  t.equal(c.state.keyReads, 1, 'then, once');
  t.equal(c.cache.get('k')?.generation, c.state.generation, 'current');
  const res = c.cache.respond(c.src, NDJSON);
  t.equal(c.state.keyReads, 1, 'the request only sends it');
  t.equal(await text(res), await c.rendered(NDJSON));
  c.write(id(10), undefined);
  c.src.readKeys = () => {
    throw new Error('catalog is closed');
  };
  c.cache.changed();
  await new Promise((r) => setImmediate(r));
  t.notOk(c.cache.get('k'), 'a failed patch drops the listing');
  c.cache.changed(); // nothing kept: nothing to do
});

t.test('rendered again when the changes are unknown or too many', async (t) => {
  const c = catalog(400);
  await text(c.cache.respond(c.src));
  c.write(id(1), { id: id(1), v: 'x' });
  c.state.floor = c.state.generation + 1; // the store forgot
  const forgotten = c.cache.respond(c.src);
  t.ok(forgotten.stream, 'forgotten changes: rendered');
  t.equal(await text(forgotten), await c.rendered());
  t.ok(c.cache.respond(c.src).chunks, 'and kept again');
  c.state.floor = 0;
  for (let i = 0; i < 200; i++) c.write(id(i), { id: id(i), v: 'y' });
  const many = c.cache.respond(c.src);
  t.ok(many.stream, 'half the rows changed: rendered');
  t.equal(await text(many), await c.rendered());
});

t.test('a listing read across a write is kept, and patched to the write', async (t) => {
  const c = catalog(1200);
  const res = c.cache.respond(c.src, NDJSON);
  let chunks = 0;
  for await (const _ of res.stream ?? []) {
    if (chunks++ === 1) c.write(id(2), { id: id(2), v: 'late' }); // a page already sent
  }
  const next = c.cache.respond(c.src, NDJSON);
  t.ok(next.chunks, 'kept');
  t.equal(await text(next), await c.rendered(NDJSON), 'with the write');
});

t.test('bounded by bytes: a listing that does not fit is kept in part', async (t) => {
  const c = catalog(1200, new ListCache(20_000));
  t.equal(await text(c.cache.respond(c.src, NDJSON)), await c.rendered(NDJSON));
  const kept = c.cache.get('k');
  t.ok(kept && !kept.complete && kept.rows > 0 && kept.rows < 1200, 'its first rows kept');
  t.ok(c.cache.size <= 20_000, 'within the bound');
  for (const accept of [NDJSON, undefined]) {
    const reads = c.state.reads;
    const keptRows = kept?.rows ?? 0; // fewer after this response, when its JSON bytes do not fit
    const res = c.cache.respond(c.src, accept);
    t.ok(res.stream, 'sent as a stream');
    const body = await text(res);
    const pagesAfter = Math.floor((1200 - keptRows) / PAGE_SIZE) + 1;
    t.equal(c.state.reads - reads, pagesAfter, 'the rest read, not the kept rows');
    t.equal(body, await c.rendered(accept), `${accept ?? 'json'}: the same bytes`);
    t.ok(c.cache.size <= 20_000, 'within the bound with both formats');
  }
  const through = c.cache.get('k')?.through as string;
  c.write(id(3), { id: id(3), v: 'before' });
  c.write(id(1100), { id: id(1100), v: 'after' });
  c.write(through, undefined);
  c.cache.changed();
  await new Promise((r) => setImmediate(r));
  t.equal(c.state.keyReads, 1, 'patched: the changes before `through` read back');
  for (const accept of [NDJSON, undefined])
    t.equal(await text(c.cache.respond(c.src, accept)), await c.rendered(accept), 'current');
  const none = catalog(50, new ListCache(0));
  await text(none.cache.respond(none.src));
  t.notOk(none.cache.get('k'), 'no bytes: nothing kept');
  t.ok(none.cache.respond(none.src).stream);
});

t.test(
  'a listing kept as NDJSON is sent as JSON after its JSON bytes are made in turns',
  async (t) => {
    const c = catalog(20_000);
    await text(c.cache.respond(c.src, NDJSON));
    const kept = c.cache.get('k');
    t.ok((kept?.jsonToMake ?? 0) > 32, 'many chunks without JSON bytes');
    const res = c.cache.respond(c.src);
    t.ok(res.stream, 'streamed: made before it is sent');
    t.ok((kept?.jsonToMake ?? 0) > 32, 'nothing made yet in this turn');
    const reads = c.state.reads;
    const body = text(res);
    c.write(id(4), { id: id(4), v: 'meanwhile' });
    c.cache.changed();
    t.equal(await body, await c.rendered(), 'the same bytes, patched meanwhile');
    t.equal(
      c.state.reads - reads,
      Math.ceil(20_001 / PAGE_SIZE),
      'only the rendering to compare read',
    );
    t.equal(kept?.jsonToMake, 0);
    t.ok(c.cache.respond(c.src).chunks, 'then sent from its bytes');
  },
);

t.test('many changes are not read back in one go: rendered again', async (t) => {
  const c = catalog(6000);
  await text(c.cache.respond(c.src, NDJSON));
  for (let i = 0; i < 1100; i++) c.write(id(i * 5), { id: id(i * 5), v: 'w' });
  const res = c.cache.respond(c.src, NDJSON);
  t.ok(res.stream, 'more than 1,024 changed rows of 6,000: rendered');
  t.equal(c.state.keyReads, 0, 'none read back');
  t.equal(await text(res), await c.rendered(NDJSON));
});

t.test('the cache keeps listings while their sum fits, and a bounded number of them', async (t) => {
  const cache = new ListCache(100);
  const listing = (n: number) => {
    const l = new KeptListing(1);
    l.append('a', 'x'.repeat(n));
    return l;
  };
  const src = (key: string) => ({ ...catalog(0, cache).src, key });
  const bytes = (n: number) => listing(n).bytes;
  t.ok(cache.keep(src('a'), listing(60)));
  t.notOk(cache.keep(src('b'), listing(60)), 'not beside the first (one chunk: all or none)');
  t.ok(cache.keep(src('a'), listing(90)), 'replacing the first');
  t.equal(cache.size, bytes(90));
  cache.drop('a');
  t.equal(cache.size, 0);
  const few = new ListCache(100, 2);
  for (const key of ['a', 'b']) few.keep(src(key), listing(10));
  few.get('a');
  few.keep(src('c'), listing(10));
  t.same(
    ['a', 'b', 'c'].map((k) => few.get(k) !== undefined),
    [true, false, true],
    'at most two listings: the least recently used goes',
  );
});

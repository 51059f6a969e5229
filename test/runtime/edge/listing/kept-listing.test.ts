import t, { type Test } from 'tap';
import { CHUNK_ROWS, KeptListing } from '../../../../runtime/edge/listing/kept-listing.js';

const key = (i: number) => i.toString(16).padStart(6, '0');
const text = (k: string, v: number) => JSON.stringify({ k, v, s: 'é' });

/** What the listing must send: the model's rows in key order. */
function expected(model: Map<string, string>) {
  const rows = [...model.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, r]) => r);
  return { json: `[${rows.join(',')}]`, ndjson: rows.map((r) => `${r}\n`).join('') };
}

const sent = (l: KeptListing, nd: boolean) => Buffer.concat(l.body(nd)).toString();

function check(t: Test, l: KeptListing, model: Map<string, string>, label: string) {
  const want = expected(model);
  t.equal(sent(l, false), want.json, `${label}: json`);
  t.equal(sent(l, true), want.ndjson, `${label}: ndjson`);
  t.equal(l.rows, model.size, `${label}: row count`);
}

t.test('built in order, then patched at random: always the model in key order', async (t) => {
  const l = new KeptListing(1);
  const model = new Map<string, string>();
  check(t, l, model, 'empty');
  for (let i = 0; i < 1000; i += 2) {
    model.set(key(i), text(key(i), 0));
    l.append(key(i), text(key(i), 0));
  }
  check(t, l, model, 'built');
  let seed = 7;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  for (let round = 0; round < 20; round++) {
    for (let op = 0; op < 60; op++) {
      const k = key(rand(1100));
      const row = rand(3) === 0 ? undefined : text(k, round * 100 + op);
      l.put(k, row);
      if (row === undefined) model.delete(k);
      else model.set(k, row);
    }
    check(t, l, model, `round ${round}`);
  }
  for (const k of [...model.keys()]) l.put(k, undefined);
  model.clear();
  check(t, l, model, 'all removed');
  l.put(key(5), text(key(5), 1));
  model.set(key(5), text(key(5), 1));
  check(t, l, model, 'one added to an empty listing');
  const row = Buffer.byteLength(text(key(5), 1));
  t.equal(l.bytes, row + 1 + row + key(5).length, 'ndjson and json bytes, and the key');
});

t.test('a patch re-encodes its chunk only, and never a buffer already sent', async (t) => {
  const l = new KeptListing(1);
  for (let i = 0; i < 4 * CHUNK_ROWS; i++) l.append(key(i), text(key(i), 0));
  const before = l.body(true);
  t.equal(before.length, 4, 'four chunks');
  const copy = before.map((b) => Buffer.from(b));
  l.put(key(CHUNK_ROWS + 1), text(key(CHUNK_ROWS + 1), 9));
  const after = l.body(true);
  t.same(
    after.map((b, i) => b === before[i]),
    [true, false, true, true],
    'the chunk of the changed row is new',
  );
  t.same(before, copy, 'the buffers of the earlier body are unchanged');
  t.match(after[1]?.toString(), /"v":9/);
});

t.test('a chunk that grows past twice its size splits; bytes follow the changes', async (t) => {
  const l = new KeptListing(1);
  const model = new Map<string, string>();
  for (let i = 0; i < 3 * CHUNK_ROWS; i++) {
    const k = key(1000 + i);
    l.put(k, text(k, 0)); // all go to the last chunk through put
    model.set(k, text(k, 0));
  }
  t.ok(l.body(true).length >= 2, 'split');
  check(t, l, model, 'after splits');
  const keyBytes = [...model.keys()].reduce((n, k) => n + k.length, 0);
  const { json, ndjson } = expected(model);
  const encoded = Buffer.byteLength(json) - 2 + Buffer.byteLength(ndjson);
  t.equal(l.bytes, keyBytes + encoded - (l.body(true).length - 1), 'encodings and keys');
});

t.test('the row texts are held once per format sent, not also as strings', async (t) => {
  const l = new KeptListing(1);
  const model = new Map<string, string>();
  for (let i = 0; i < 3 * CHUNK_ROWS + 10; i++) {
    l.append(key(i), text(key(i), i));
    model.set(key(i), text(key(i), i));
  }
  const keyBytes = 6 * model.size;
  const ndjsonBytes = Buffer.byteLength(expected(model).ndjson);
  l.body(true);
  t.equal(l.bytes, ndjsonBytes + keyBytes, 'sent as NDJSON: its bytes and the keys');
  l.body(false);
  const jsonBytes = ndjsonBytes - l.body(true).length; // a newline fewer a chunk
  t.equal(l.bytes, ndjsonBytes + jsonBytes + keyBytes, 'then as JSON too: both');
});

t.test('JSON bytes made from the NDJSON lines keep escaped newlines and UTF-8', async (t) => {
  const l = new KeptListing(1);
  const model = new Map<string, string>();
  for (let i = 0; i < CHUNK_ROWS + 3; i++) {
    const row = JSON.stringify({ k: key(i), s: `line\nbreak ${i} 日本 \u2028 "q"` });
    l.append(key(i), row);
    model.set(key(i), row);
  }
  l.put(key(7), JSON.stringify({ k: key(7), s: 'x\ny' }));
  model.set(key(7), JSON.stringify({ k: key(7), s: 'x\ny' }));
  check(t, l, model, 'escaped');
  t.same(JSON.parse(sent(l, false))[7], { k: key(7), s: 'x\ny' });
});

t.test('kept in part: the first chunks that fit, later keys ignored', async (t) => {
  const l = new KeptListing(1);
  const model = new Map<string, string>();
  for (let i = 0; i < 4 * CHUNK_ROWS; i++) {
    l.append(key(i), text(key(i), 0));
    model.set(key(i), text(key(i), 0));
  }
  l.body(true);
  const chunkBytes = l.bytes / 4;
  t.ok(l.truncate(l.bytes), 'fits: kept whole');
  t.ok(l.complete);
  t.ok(l.truncate(Math.ceil(2.5 * chunkBytes)), 'two of four chunks fit');
  t.notOk(l.complete);
  t.equal(l.rows, 2 * CHUNK_ROWS);
  t.equal(l.through, key(2 * CHUNK_ROWS - 1), 'through the last key kept');
  t.ok(l.bytes <= 2.5 * chunkBytes, 'within the bytes given');
  l.put(key(3 * CHUNK_ROWS), text(key(3 * CHUNK_ROWS), 9)); // after `through`
  l.put(key(1), text(key(1), 9));
  l.put(key(2 * CHUNK_ROWS - 1), undefined);
  const first = [...model.entries()].slice(0, 2 * CHUNK_ROWS);
  const want = new Map(first);
  want.set(key(1), text(key(1), 9));
  want.delete(key(2 * CHUNK_ROWS - 1));
  check(t, l, want, 'patched before through only');
  t.notOk(l.truncate(0), 'nothing fits: nothing worth keeping');
  const empty = new KeptListing(1);
  t.ok(empty.truncate(0), 'a whole listing of no rows is kept');
  const ended = new KeptListing(1);
  for (let i = 0; i < 10; i++) ended.append(key(i), text(key(i), 0));
  ended.endHere();
  t.equal(ended.through, key(9), 'ended by its reader: kept in part up to its last row');
});

t.test(
  'many changes at once: each chunk encoded once, split in pieces when it grows',
  async (t) => {
    const l = new KeptListing(1);
    const model = new Map<string, string>();
    for (let i = 0; i < 3 * CHUNK_ROWS; i++) {
      l.append(key(i * 10), text(key(i * 10), 0));
      model.set(key(i * 10), text(key(i * 10), 0));
    }
    const before = l.body(true);
    const changes = new Map<string, string | undefined>();
    for (let i = 0; i < 3 * CHUNK_ROWS; i++)
      for (const d of [1, 2]) changes.set(key(i * 10 + d), text(key(i * 10 + d), 1));
    for (let i = 0; i < 40; i++) changes.set(key(i * 10), undefined); // first chunk only
    changes.set(key(99_999), text(key(99_999), 2)); // after every key
    l.putAll(changes);
    for (const [k, row] of changes) {
      if (row === undefined) model.delete(k);
      else model.set(k, row);
    }
    check(t, l, model, 'after the batch');
    const after = l.body(true);
    t.ok(after.length >= 8, 'chunks past twice their size split in pieces');
    t.notOk(
      after.some((b) => before.includes(b)),
      'every chunk changed, each made anew',
    );
  },
);

t.test('JSON bytes made a few chunks at a time', async (t) => {
  const l = new KeptListing(1);
  const model = new Map<string, string>();
  for (let i = 0; i < 5 * CHUNK_ROWS; i++) {
    l.append(key(i), text(key(i), 0));
    model.set(key(i), text(key(i), 0));
  }
  l.body(true);
  t.equal(l.jsonToMake, 5);
  t.notOk(l.makeJson(2), 'two made, three left');
  t.equal(l.jsonToMake, 3);
  t.ok(l.makeJson(3));
  t.equal(l.jsonToMake, 0);
  l.put(key(3), text(key(3), 7));
  model.set(key(3), text(key(3), 7));
  t.equal(l.jsonToMake, 0, 'a patched chunk of a listing sent as JSON gets its JSON at once');
  check(t, l, model, 'made in steps');
});

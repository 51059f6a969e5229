import t from 'tap';
import { request } from 'undici';
import {
  jsonArrayChunks,
  listResponse,
  NDJSON,
  ndjsonChunks,
  PAGE_SIZE,
  pages,
  wantsNdjson,
} from '../../../../runtime/edge/listing/stream.js';
import { testEngine } from '../../../helpers/engine.js';
import { stateRow } from '../../../helpers/rows.js';

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

const source = (rows: number[], size: number) =>
  pages(
    (after, limit) => rows.filter((r) => after === undefined || r > Number(after)).slice(0, limit),
    (r) => String(r),
    size,
  );

t.test('pages: keyset pagination until a short page', async (t) => {
  t.same(await collect(source([1, 2, 3, 4, 5], 2)), [[1, 2], [3, 4], [5]]);
  t.same(await collect(source([1, 2, 3, 4], 2)), [
    [1, 2],
    [3, 4],
  ]);
  t.same(await collect(source([], 2)), []);
});

t.test('JSON arrays and NDJSON are valid for 0, 1 and many rows', async (t) => {
  for (const rows of [[], [1], [1, 2, 3, 4, 5]]) {
    const json = (await collect(jsonArrayChunks(source(rows, 2)))).join('');
    t.same(JSON.parse(json), rows);
    const nd = (await collect(ndjsonChunks(source(rows, 2)))).join('');
    t.same(nd.split('\n').filter(Boolean).map(Number), rows);
  }
});

t.test('Accept negotiation', async (t) => {
  t.ok(wantsNdjson('application/x-ndjson'));
  t.ok(wantsNdjson('application/json, Application/X-NDJSON;q=0.9'));
  t.notOk(wantsNdjson('application/json'));
  t.notOk(wantsNdjson(undefined));
  t.equal(listResponse(source([], 1), NDJSON).headers['content-type'], NDJSON);
  t.equal(listResponse(source([], 1)).headers['content-type'], 'application/json');
});

t.test(
  'pages: every page after the first is read in a turn of the event loop of its own',
  async (t) => {
    const order: string[] = [];
    const rows = Array.from({ length: 10 }, (_, i) => i);
    const read = (after: string | undefined, limit: number) => {
      order.push('read');
      return rows.filter((r) => after === undefined || r > Number(after)).slice(0, limit);
    };
    setImmediate(() => order.push('other'));
    for await (const _ of pages(read, (r) => String(r), 2)) {
      // a consumer that never waits for I/O itself (a kept listing being rendered)
    }
    t.same(order.slice(0, 3), ['read', 'other', 'read'], 'work queued meanwhile runs after page 1');
    t.equal(order.filter((o) => o === 'read').length, 6);
  },
);

t.test('a /v1/health request is answered while a 100,000-row listing streams', async (t) => {
  const e = await testEngine(t, { config: { list_cache_bytes: 0 } });
  const rows = 100_000;
  for (let from = 0; from < rows; from += 10_000)
    e.store.commit((w) => {
      for (let i = from; i < from + 10_000; i++) w.insertState(stateRow({ image_id: 'archive' }));
    });
  await e.store.flush();
  let pagesRead = 0;
  const listStates = e.store.listStates;
  (e.store as { listStates: typeof listStates }).listStates = (f, p) => {
    pagesRead++;
    return listStates(f, p);
  };
  const auth = { authorization: `Bearer ${e.authToken}`, accept: NDJSON };
  const listing = await request(e.url('/v1/states'), { headers: auth });
  const order: string[] = [];
  let asked: Promise<void> | undefined;
  let lines = 0;
  for await (const chunk of listing.body) {
    lines += String(chunk).split('\n').length - 1;
    // Asked once the listing has begun: answered between two of its pages, not after them.
    asked ??= request(e.url('/v1/health')).then(async (r) => {
      await r.body.text();
      order.push(`health after ${pagesRead} pages`);
    });
  }
  order.push('listing done');
  await asked;
  t.equal(lines, rows, 'every row listed');
  t.equal(order.length, 2);
  t.match(order[0], /^health after \d+ pages$/, 'health was answered first');
  const pagesBeforeHealth = Number(/\d+/.exec(order[0] as string)?.[0]);
  t.ok(
    pagesBeforeHealth <= 10,
    `answered within a few pages of its arrival (${pagesBeforeHealth} of ${rows / PAGE_SIZE})`,
  );
});

import t from 'tap';
import {
  jsonArrayChunks,
  listResponse,
  NDJSON,
  ndjsonChunks,
  pages,
  wantsNdjson,
} from '../../../../runtime/edge/listing/stream.js';

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

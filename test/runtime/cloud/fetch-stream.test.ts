import t from 'tap';
import { createFetchHandler } from '../../../runtime/cloud/fetch.js';
import { stateRow } from '../../helpers/rows.js';
import { tempDir } from '../../helpers/tmp.js';

const TOKEN = 'c'.repeat(64);

t.test('NDJSON stays streamed through the Fetch handler', async (t) => {
  const handler = createFetchHandler({ stateDir: await tempDir(t), authToken: TOKEN });
  t.teardown(() => handler.close());
  const core = await handler.engine();
  await core.store.write((w) => {
    for (let i = 0; i < 2000; i++) w.insertState(stateRow());
  });
  const pages: number[] = [];
  const original = core.store.listStates;
  core.store.listStates = (f, p) => {
    const rows = original(f, p);
    pages.push(rows.length);
    return rows;
  };
  const res = await handler(
    new Request('http://sqlrs.invalid/v1/states', {
      headers: { authorization: `Bearer ${TOKEN}`, accept: 'application/x-ndjson' },
    }),
  );
  t.equal(res.headers.get('content-type'), 'application/x-ndjson');
  t.ok(res.body instanceof ReadableStream);
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const first = await reader.read();
  t.ok(first.value && first.value.length > 0);
  t.equal(pages.length, 1, 'one page read when the first chunk is out');
  let text = new TextDecoder().decode(first.value);
  for (let next = await reader.read(); !next.done; next = await reader.read())
    text += new TextDecoder().decode(next.value);
  t.equal(text.trim().split('\n').length, 2000);
  const kept = await handler(
    new Request('http://sqlrs.invalid/v1/states', {
      headers: { authorization: `Bearer ${TOKEN}`, accept: 'application/x-ndjson' },
    }),
  );
  t.equal(await kept.text(), text, 'the unchanged catalog answers with the kept bytes');
  const big = await handler(
    new Request('http://sqlrs.invalid/v1/prepare-jobs', {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-length': String(32 * 1024 * 1024) },
      body: 'x',
    }),
  ).catch((err: Error) => err);
  if (big instanceof Error)
    t.pass(`the runtime refused the mismatched length itself: ${big.message}`);
  else t.equal(big.status, 413);
});

t.test('the package exports sqlrs/cloud', async (t) => {
  const mod = await import('sqlrs/cloud');
  t.type(mod.createFetchHandler, 'function');
  t.type(mod.createLambdaHandler, 'function');
});

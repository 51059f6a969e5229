import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import {
  createLambdaHandler,
  type HttpApiEventV2,
  toRawRequest,
} from '../../../runtime/cloud/lambda.js';
import { dropCatalogDatabases } from '../../helpers/catalog-cleanup.js';
import { tempDir } from '../../helpers/tmp.js';

const TOKEN = 'd'.repeat(64);
const event = (name: string): HttpApiEventV2 =>
  JSON.parse(
    readFileSync(
      fileURLToPath(new URL(`../../../../test/fixtures/lambda/${name}.json`, import.meta.url)),
      'utf8',
    ).replaceAll('{{token}}', TOKEN),
  );

t.test('recorded API Gateway HTTP API events', async (t) => {
  const handler = createLambdaHandler({ stateDir: await tempDir(t), authToken: TOKEN });
  t.teardown(async () => {
    const core = await handler.engine();
    const catalog = core.store.catalogId;
    await handler.close();
    await dropCatalogDatabases(catalog);
  });
  const get = await handler(event('get-with-query'));
  t.equal(get.statusCode, 200, get.body);
  t.same(JSON.parse(get.body), []);
  t.equal(get.headers['content-type'], 'application/json');
  t.equal(get.isBase64Encoded, false);
  const kept = await handler(event('get-with-query'));
  t.equal(kept.body, get.body, 'a kept listing (already encoded) reads the same');
  const post = await handler(event('post-json'));
  t.equal(post.statusCode, 202, post.body);
  t.match(JSON.parse(post.body), { status: 'queued', job_id: /^[0-9a-f]{32}$/ });
  t.match(post.headers.location, /^\/v1\/prepare-jobs\/[0-9a-f]{32}$/);
  const b64 = await handler(event('post-base64'));
  t.equal(b64.statusCode, 202, b64.body);
  const job = JSON.parse(b64.body).job_id;
  const core = await handler.engine();
  await core.deps.jobs.cancel(job).catch(() => undefined);
  t.equal(
    core.deps.jobs.get(job)?.argsNormalized,
    "-X -v ON_ERROR_STOP=1 -c select 'base64 ✓'",
    'the base64 body decoded as UTF-8',
  );
});

t.test('events that are not HTTP API v2 requests are answered 400', async (t) => {
  const handler = createLambdaHandler({ stateDir: await tempDir(t), authToken: TOKEN });
  t.teardown(() => handler.close());
  for (const bad of [
    {},
    { rawPath: '/v1/health' },
    { requestContext: { http: { method: 'GET' } } },
    null,
  ]) {
    const res = await handler(bad as HttpApiEventV2);
    t.equal(res.statusCode, 400, JSON.stringify(bad));
    t.match(JSON.parse(res.body), {
      code: 'invalid_argument',
      message: /not an API Gateway HTTP API \(v2\) event/,
    });
  }
  const badB64 = await handler({ ...event('post-base64'), body: '%%%not-base64' });
  t.equal(badB64.statusCode, 400);
  t.match(JSON.parse(badB64.body), { message: /not base64/ });
});

t.test('cookies are left alone and headers lower-cased', async (t) => {
  const raw = toRawRequest({
    ...event('get-with-query'),
    headers: { Accept: 'x', Authorization: 'Bearer y' },
  });
  t.same(raw.headers, { accept: 'x', authorization: 'Bearer y' });
  t.equal(raw.url, '/v1/states?kind=psql&id_prefix=aaaaaaaa');
  t.equal(raw.method, 'GET');
});

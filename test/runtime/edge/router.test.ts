import t from 'tap';
import { compileSchemas } from '../../../lib/schemas.js';
import { createRouter } from '../../../runtime/edge/router.js';
import { ROUTES } from '../../../runtime/edge/routes.js';
import type { Route } from '../../../runtime/edge/types.js';

const handler = async () => ({ status: 200 });
const route = (method: Route['method'], pattern: string): Route => ({
  method,
  pattern,
  handler,
  auth: true,
  query: 'empty-query.json',
  responses: {},
  summary: '',
});
const schemas = compileSchemas();
const match = createRouter(
  [
    route('GET', '/v1/things'),
    route('GET', '/v1/things/:id'),
    route('DELETE', '/v1/things/:id'),
    route('POST', '/v1/things/:id/cancel'),
  ],
  schemas,
);

t.test('matches patterns and decodes params', async (t) => {
  t.same(match('GET', '/v1/things/abc').params, { id: 'abc' });
  t.same(match('GET', '/v1/things/a%20b').params, { id: 'a b' });
  t.same(
    match('GET', '/v1/things/a%2Fb').params,
    { id: 'a/b' },
    'an encoded slash stays in the param',
  );
  t.same(match('GET', '/v1/things/..').params, { id: '..' }, '.. is just a segment');
  t.equal(match('POST', '/v1/things/x/cancel').route.pattern, '/v1/things/:id/cancel');
});

t.test('404, 405 with Allow, bad encoding', async (t) => {
  t.throws(() => match('GET', '/v1/nope'), { code: 'not_found' });
  t.throws(() => match('GET', '/v1/things/'), { code: 'not_found' }, 'empty param');
  t.throws(() => match('GET', '/v1/things/x/y'), { code: 'not_found' });
  t.throws(() => match('GET', '/v1//things'), { code: 'not_found' });
  t.throws(() => match('PUT', '/v1/things/x'), {
    code: 'method_not_allowed',
    allow: 'DELETE, GET',
  });
  t.throws(() => match('GET', '/v1/things/%E0%A4%A'), { code: 'invalid_argument' });
});

t.test('the route table is checked at construction, naming the route', async (t) => {
  t.doesNotThrow(() => createRouter(ROUTES, schemas), 'the real table passes');
  const missing = { ...route('POST', '/v1/things'), body: 'thing-request.json' };
  t.throws(() => createRouter([missing], schemas), {
    message: 'route POST /v1/things: no schema thing-request.json in schemas/',
  });
  const badResponse = { ...route('GET', '/v1/things'), responses: { 200: 'things.json' } };
  t.throws(() => createRouter([badResponse], schemas), {
    message: /GET \/v1\/things: no schema things\.json/,
  });
  t.throws(() => createRouter([route('GET', '/v1/things'), route('GET', '/v1/things')], schemas), {
    message: 'route GET /v1/things: same method and path as route GET /v1/things',
  });
  t.throws(
    () => createRouter([route('GET', '/v1/things/:id'), route('GET', '/v1/things/:name')], schemas),
    { message: 'route GET /v1/things/:name: same method and path as route GET /v1/things/:id' },
  );
  t.doesNotThrow(() =>
    createRouter([route('GET', '/v1/things/:id'), route('DELETE', '/v1/things/:id')], schemas),
  );
  for (const [pattern, why] of [
    ['v1/things', /must start with \//],
    ['/v1//things', /segment "" is neither/],
    ['/v1/things/', /segment "" is neither/],
    ['/v1/th ings', /segment "th ings"/],
    ['/v1/:id/x/:id', /parameter :id appears twice/],
    ['/v1/:', /segment ":"/],
  ] as const)
    t.throws(() => createRouter([route('GET', pattern)], schemas), {
      message: new RegExp(`^route GET ${pattern.replace(/[/]/g, '\\/')}: ${why.source}`),
    });
});

import t from 'tap';
import { createRouter } from '../../../runtime/edge/router.js';
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
const match = createRouter([
  route('GET', '/v1/things'),
  route('GET', '/v1/things/:id'),
  route('DELETE', '/v1/things/:id'),
  route('POST', '/v1/things/:id/cancel'),
]);

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

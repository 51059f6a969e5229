import t from 'tap';
import { parseBoolean, parseQuery } from '../../../runtime/edge/query.js';

t.test('boolean spellings of docs/api.md', async (t) => {
  for (const v of ['1', 't', 'T', 'TRUE', 'true', 'True']) t.equal(parseBoolean(v, 'x'), true, v);
  for (const v of ['0', 'f', 'F', 'FALSE', 'false', 'False'])
    t.equal(parseBoolean(v, 'x'), false, v);
  t.equal(parseBoolean(undefined, 'x'), false);
  for (const v of ['yes', 'tRUE', '', '2', 'on']) {
    t.throws(() => parseBoolean(v, 'force'), { code: 'invalid_argument', message: /"force"/ }, v);
  }
});

t.test('query strings', async (t) => {
  t.same(parseQuery('a=1&b=x%20y'), { a: '1', b: 'x y' });
  t.same(parseQuery(''), {});
  t.throws(() => parseQuery('a=1&a=2'), { code: 'invalid_argument', message: /"a" given more/ });
});

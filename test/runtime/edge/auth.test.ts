import t from 'tap';
import { bearerMatches } from '../../../runtime/edge/auth.js';

t.test('bearer tokens', async (t) => {
  const token = 'a'.repeat(64);
  t.ok(bearerMatches(`Bearer ${token}`, token));
  t.ok(bearerMatches(`bearer ${token}`, token), 'scheme is case-insensitive');
  t.notOk(bearerMatches(undefined, token));
  t.notOk(bearerMatches('', token));
  t.notOk(bearerMatches(`Bearer ${'b'.repeat(64)}`, token));
  t.notOk(bearerMatches(`Bearer ${token.slice(1)}`, token), 'a shorter token');
  t.notOk(bearerMatches(`Basic ${token}`, token));
  t.notOk(bearerMatches('Bearer ', ''), 'an empty token never matches');
});

import t from 'tap';
import {
  INSTANCE_ID,
  looksLikeInstanceId,
  newAuthToken,
  newCatalogId,
  newInstanceId,
  newJobId,
  normalizePrefix,
} from '../../lib/id.js';

t.test('new ids have the formats of docs/api.md', async (t) => {
  t.match(newInstanceId(), INSTANCE_ID);
  t.match(newJobId(), /^[0-9a-f]{32}$/);
  t.match(newCatalogId(), /^[0-9a-f]{8}$/);
  t.match(newAuthToken(), /^[0-9a-f]{64}$/);
  t.not(newInstanceId(), newInstanceId());
});

t.test('prefixes: at least 8 hex, case-insensitive, lowercased', async (t) => {
  t.equal(normalizePrefix('ABCDEF01', 'id'), 'abcdef01');
  t.equal(normalizePrefix('a'.repeat(64), 'id'), 'a'.repeat(64));
  for (const bad of ['abc', 'abcdefg1', '', 'a'.repeat(65), '../../etc', 'abcdef01 ']) {
    t.throws(() => normalizePrefix(bad, 'state id'), { code: 'invalid_argument' }, bad);
  }
  t.throws(() => normalizePrefix('a'.repeat(33), 'instance id', 32), {
    code: 'invalid_argument',
    message: /instance id must be 8 to 32/,
  });
});

t.test('what looks like an instance id', async (t) => {
  t.ok(looksLikeInstanceId('A'.repeat(32)));
  t.notOk(looksLikeInstanceId('a'.repeat(31)));
  t.notOk(looksLikeInstanceId('g'.repeat(32)));
});

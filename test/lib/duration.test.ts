import t from 'tap';
import { DURATION_PATTERN, parseDuration } from '../../lib/duration.js';

t.test('durations', async (t) => {
  t.equal(parseDuration('30s'), 30_000);
  t.equal(parseDuration('2m'), 120_000);
  t.equal(parseDuration('1h30m'), 5_400_000);
  t.equal(parseDuration('500ms'), 500);
  t.equal(parseDuration('0'), 0);
  for (const bad of ['', '30', 's', '1x', '-1s', '1s ']) {
    t.throws(() => parseDuration(bad), { code: 'invalid_argument' }, bad);
  }
});

t.test('the pattern config.json checks agrees with the parser', async (t) => {
  for (const ok of ['0', '30s', '1h30m', '500ms', '1.5h']) {
    t.ok(DURATION_PATTERN.test(ok), ok);
    t.doesNotThrow(() => parseDuration(ok));
  }
  for (const bad of ['', '30', '1x', '-1s', '1s ']) t.notOk(DURATION_PATTERN.test(bad), bad);
});

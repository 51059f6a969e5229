import t from 'tap';
import { KeyedMutex } from '../../../lib/kernel/keyed-mutex.js';

t.test('same key runs one at a time, other keys in parallel, errors release', async (t) => {
  const m = new KeyedMutex();
  const log: string[] = [];
  const work = (key: string, name: string, ms: number, fail = false) =>
    m.run(key, async () => {
      log.push(`${name}+`);
      await new Promise((r) => setTimeout(r, ms));
      log.push(`${name}-`);
      if (fail) throw new Error(name);
      return name;
    });
  const results = await Promise.allSettled([
    work('a', 'a1', 30, true),
    work('a', 'a2', 5),
    work('b', 'b1', 5),
  ]);
  t.same(
    results.map((r) => r.status),
    ['rejected', 'fulfilled', 'fulfilled'],
  );
  t.ok(log.indexOf('a1-') < log.indexOf('a2+'), 'a2 waited for a1');
  t.ok(log.indexOf('b1+') < log.indexOf('a1-'), 'b1 did not wait');
  t.equal(m.size, 0, 'no keys left behind');
});

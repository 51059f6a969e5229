import t from 'tap';
import { GroupFlusher } from '../../../../lib/store/sqljs/group-flusher.js';

t.test('concurrent requests share a flush; later requests get a later flush', async (t) => {
  let value = 0;
  const persisted: number[] = [];
  const flusher = new GroupFlusher(
    () => value,
    async (v) => {
      await new Promise((r) => setTimeout(r, 10));
      persisted.push(v);
    },
  );
  value = 1;
  const a = flusher.flush();
  value = 2;
  const b = flusher.flush();
  await Promise.all([a, b]);
  t.same(persisted, [2], 'two changes, one flush, holding both');
  value = 3;
  const c = flusher.flush();
  await new Promise((r) => setTimeout(r, 2)); // c's flush is now writing
  value = 4;
  const d = flusher.flush();
  await Promise.all([c, d]);
  t.same(persisted, [2, 3, 4], 'a change made during a flush gets the next one');
  await flusher.idle();
});

t.test('a failed flush rejects its waiters and the next one retries', async (t) => {
  let fail = true;
  const flusher = new GroupFlusher(
    () => 0,
    async () => {
      if (fail) throw new Error('disk full');
    },
  );
  await t.rejects(flusher.flush(), /disk full/);
  fail = false;
  await flusher.flush();
  t.pass('recovered');
});

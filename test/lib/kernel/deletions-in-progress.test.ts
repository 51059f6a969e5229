import t from 'tap';
import { DeletionsInProgress } from '../../../lib/kernel/deletions-in-progress.js';

t.test('settled waits for every delete of a state, and only for that state', async (t) => {
  const d = new DeletionsInProgress();
  await d.settled('a');
  await d.settled(null);
  const endFirst = d.begin(['a', 'b']);
  const endSecond = d.begin(['a']);
  t.ok(d.busy('a') && d.busy('b') && !d.busy('c'));
  let settled = false;
  const waiting = d.settled('a').then(() => {
    settled = true;
  });
  await d.settled('c');
  endFirst();
  await new Promise((r) => setImmediate(r));
  t.notOk(settled, 'the second delete of a is still running');
  t.notOk(d.busy('b'));
  endSecond();
  await waiting;
  t.ok(settled);
  t.notOk(d.busy('a'));
});

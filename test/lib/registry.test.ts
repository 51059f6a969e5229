import t from 'tap';
import {
  pickUnique,
  resolveInstanceRef,
  resolveStateId,
  validateName,
} from '../../lib/registry.js';
import { openSqljsStore } from '../../lib/store/sqljs/index.js';
import { hex, instanceRow, nameRow, stateRow } from '../helpers/rows.js';
import { tempDir } from '../helpers/tmp.js';

t.test('name rules', async (t) => {
  for (const ok of ['dev', 'a', 'my-db_1.2', 'x'.repeat(63), 'A'.repeat(31)])
    t.equal(validateName(ok), ok);
  for (const bad of ['', 'x'.repeat(64), 'a b', 'a/b', 'ü', '../x']) {
    t.throws(() => validateName(bad), { code: 'invalid_argument' }, bad);
  }
  t.throws(() => validateName('0123456789ABCDEF0123456789abcdef'), {
    message: /look like an instance id/,
  });
  for (const dots of ['.', '..'])
    t.throws(() => validateName(dots), { message: /URLs drop it as a path segment/ }, dots);
  t.equal(validateName('...'), '...', 'three dots are a plain segment');
});

t.test('pickUnique never guesses', async (t) => {
  t.equal(pickUnique(['a'], 'p', 'state'), 'a');
  t.throws(() => pickUnique([], 'p', 'state'), { code: 'not_found' });
  t.throws(() => pickUnique(['a', 'b'], 'p', 'state'), { code: 'ambiguous', details: 'a, b' });
});

t.test('resolving states and instances', async (t) => {
  const store = await openSqljsStore({ dir: await tempDir(t) });
  t.teardown(() => store.close());
  const s = stateRow();
  const inst = instanceRow(s.state_id);
  // A name that is someone's id prefix: the name wins, the id is still reachable in full.
  const tricky = instanceRow(s.state_id);
  await store.write((w) => {
    w.insertState(s);
    w.insertInstance(inst);
    w.insertInstance(tricky);
    w.putName(nameRow('dev', inst));
    w.putName(nameRow(tricky.instance_id.slice(0, 10), inst));
  });
  t.equal(resolveStateId(store, s.state_id.toUpperCase()), s.state_id);
  t.equal(resolveStateId(store, s.state_id.slice(0, 8)), s.state_id);
  t.throws(() => resolveStateId(store, hex(32)), { code: 'not_found' });
  t.same(resolveInstanceRef(store, inst.instance_id), { instanceId: inst.instance_id, via: 'id' });
  t.same(resolveInstanceRef(store, 'dev'), { instanceId: inst.instance_id, via: 'name' });
  t.same(resolveInstanceRef(store, tricky.instance_id.slice(0, 10)), {
    instanceId: inst.instance_id,
    via: 'name',
  });
  t.same(resolveInstanceRef(store, tricky.instance_id.slice(0, 12)), {
    instanceId: tricky.instance_id,
    via: 'prefix',
  });
  t.throws(() => resolveInstanceRef(store, 'nobody'), { code: 'not_found' });
  t.throws(() => resolveInstanceRef(store, hex(16)), { code: 'not_found' });
});

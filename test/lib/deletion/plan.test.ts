import t from 'tap';
import { propagateBlocked } from '../../../lib/deletion/plan.js';
import type { DeleteNode } from '../../../lib/schema-types.js';

t.test('a blocked node blocks its ancestors, not its siblings', async (t) => {
  const busy: DeleteNode = {
    kind: 'instance',
    id: 'i3',
    connections: 1,
    blocked: 'active_connections',
  };
  const idle: DeleteNode = { kind: 'instance', id: 'i4', connections: 0 };
  const b: DeleteNode = { kind: 'state', id: 'b', children: [busy, idle] };
  const other: DeleteNode = { kind: 'state', id: 'c' };
  const root: DeleteNode = { kind: 'state', id: 'root', children: [b, other] };
  t.equal(propagateBlocked(root), true);
  t.equal(root.blocked, 'blocked_by_descendant');
  t.equal(b.blocked, 'blocked_by_descendant');
  t.notOk(idle.blocked);
  t.notOk(other.blocked);
  t.equal(
    propagateBlocked({ kind: 'state', id: 'x', children: [{ kind: 'instance', id: 'y' }] }),
    false,
  );
  const own: DeleteNode = { kind: 'state', id: 's', blocked: 'has_descendants' };
  t.equal(propagateBlocked(own), true);
  t.equal(own.blocked, 'has_descendants', 'an own reason is kept');
});

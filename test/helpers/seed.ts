import type { Store } from '../../lib/store/types.js';
import { instanceRow, nameRow, stateRow } from './rows.js';

/** A small catalog: root state -> child state; two instances of the child, one named "dev". */
export async function seedCatalog(store: Store) {
  const root = stateRow({ created_at: '2026-01-01T00:00:00.000Z' });
  const child = stateRow({ parent_state_id: root.state_id, prepare_kind: 'psql' });
  const other = stateRow({ image_id: 'mariadb:10.11', prepare_kind: 'mysql' });
  const named = instanceRow(child.state_id);
  const orphan = instanceRow(child.state_id);
  await store.write((w) => {
    for (const s of [root, child, other]) w.insertState(s);
    w.insertInstance(named);
    w.insertInstance(orphan);
    w.putName(nameRow('dev', named));
  });
  return { root, child, other, named, orphan };
}

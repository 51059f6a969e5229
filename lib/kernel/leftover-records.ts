import type { DbmsServer } from '../dbms/types.js';
import type { PendingRow } from '../store/types.js';
import type { Kernel } from './kernel.js';

/**
 * A drop record for what failed work left (docs/deletion.md): `leftover`, or an older record
 * without a reason that names its own database as its target (what failed work wrote then).
 * A delete's records name the state or instance they delete.
 */
export const isLeftoverDrop = (p: PendingRow): boolean =>
  p.kind === 'drop' && (p.reason === 'leftover' || (!p.reason && p.target_id === p.db_name));

/**
 * Whether the catalog records `db` as a live state, instance or warm copy: a point lookup by
 * index, since a start or a prepare may resolve many records (docs/catalog.md, Indexes).
 */
export function isLive(kernel: Pick<Kernel, 'store'>, db: string): boolean {
  return kernel.store.recordsDatabase(db);
}

/**
 * Resolves one leftover drop record: drops its database unless the catalog now records it as
 * live (a later build of the same state published it under the state's name), then clears the
 * record. Checked under the state's locks (in process and on the server), the ones a build
 * holds from its clone to its commit, so a build publishing that name right now is waited
 * out. Returns the database when it was dropped. Throws when the server cannot be reached.
 * Prepare retries these records while the engine runs (lib/prepare/records/leftover-drops.ts);
 * reconciliation resolves them at start (lib/deletion/reconcile.ts).
 */
export async function resolveLeftover(
  kernel: Pick<Kernel, 'store' | 'locks' | 'logger'>,
  server: DbmsServer,
  p: PendingRow,
): Promise<string | undefined> {
  const { store, logger } = kernel;
  return kernel.locks.run(p.target_id, async () => {
    const unlock = await server.lockState(p.db_name);
    try {
      // A shared catalog: another engine's build may have published this name meanwhile,
      // and its row must be read in before the database is judged dead.
      await store.refresh();
      if (!store.listPending().some((r) => r.op_id === p.op_id)) return undefined;
      const live = isLive(kernel, p.db_name);
      if (live) logger.info('drop_record_stale', { db: p.db_name, target: p.target_id });
      else await server.drop(p.db_name, true);
      await store.write((w) => w.removePending(p.op_id));
      return live ? undefined : p.db_name;
    } finally {
      await unlock();
    }
  });
}

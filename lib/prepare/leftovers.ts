import type { DbmsServer } from '../dbms/types.js';
import { randomHex } from '../id.js';
import type { StoreWriter } from '../store/types.js';
import type { PrepareContext } from './context.js';

/**
 * Drops the databases a failed build, clone or warm copy left. One the server cannot drop now
 * (it went down with the work) gets a drop record instead, for the caller to write with its own
 * clean-up: the next start's reconciliation drops it, as after a crash. Before, the caller's
 * records were cleared all the same and the database stayed, an unknown one that health
 * reports and nothing drops.
 */
export async function dropLeftovers(
  ctx: PrepareContext,
  server: DbmsServer,
  imageId: string,
  dbs: string[],
): Promise<(w: StoreWriter) => void> {
  const left: string[] = [];
  for (const db of dbs) if (!(await dropped(ctx, server, db))) left.push(db);
  const createdAt = ctx.clock().toISOString();
  return (w) => {
    for (const db of left)
      w.addPending({
        op_id: randomHex(8),
        kind: 'drop',
        image_id: imageId,
        db_name: db,
        target_id: db,
        job_id: null,
        created_at: createdAt,
      });
  };
}

/** Drops a database the work left; false (and logged) when the server cannot drop it now. */
export async function dropped(ctx: PrepareContext, server: DbmsServer, db: string) {
  try {
    await server.drop(db, true);
    return true;
  } catch (err) {
    ctx.logger.error('drop_failed', { db, error: String(err) });
    return false;
  }
}

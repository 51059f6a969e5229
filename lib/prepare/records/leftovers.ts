import type { DbmsServer } from '../../dbms/types.js';
import { randomHex } from '../../id.js';
import type { Kernel } from '../../kernel/kernel.js';
import type { StoreWriter } from '../../store/types.js';
import type { LeftoverDrops } from './leftover-drops.js';

/** What a leftover was made for: the state a build was for, or the instance a clone was for. */
export interface LeftoverOf {
  targetId: string;
  jobId: string | null;
}

/** What dropping leftovers needs: the clock, the log, and the retries while the engine runs. */
export type LeftoverDeps = Pick<Kernel, 'clock' | 'logger' | 'engineId'> & {
  leftoverDrops?: Pick<LeftoverDrops, 'retry'>;
};

/**
 * Drops the databases a failed build, clone or warm copy left. One the server cannot drop now
 * (it went down with the work) gets a `leftover` drop record instead, for the caller to write
 * with its own clean-up, naming what it was made for (docs/deletion.md). The engine retries
 * such drops while it runs, once the server answers again (leftover-drops.ts), and the next
 * start's reconciliation resolves any still there; neither drops a database the catalog then
 * records as a live state or instance (a later build of the same state made it).
 */
export async function dropLeftovers(
  ctx: LeftoverDeps,
  server: DbmsServer,
  imageId: string,
  dbs: string[],
  of?: LeftoverOf,
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
        target_id: of?.targetId ?? db,
        job_id: of?.jobId ?? null,
        created_at: createdAt,
        reason: 'leftover',
        engine_id: ctx.engineId,
      });
    if (left.length > 0) ctx.leftoverDrops?.retry(imageId);
  };
}

/** Drops a database the work left; false (and logged) when the server cannot drop it now. */
export async function dropped(ctx: Pick<Kernel, 'logger'>, server: DbmsServer, db: string) {
  try {
    await server.drop(db, true);
    return true;
  } catch (err) {
    ctx.logger.error('drop_failed', { db, error: String(err) });
    return false;
  }
}

import type { DbmsServer } from '../dbms/types.js';
import type { PrepareContext } from './context.js';
import type { PlannedStep } from './planner.js';

// A cache hit that can go straight to its instance skips the round trip that asks the server
// whether the state databases still exist (SPEC §5.4 counts a state as cached only if it
// does): on a hit that round trip is most of what the engine adds to the clone. A state
// database dropped behind the engine's back makes the hit fail; the job then runs again with
// the check (executor.ts), so the catalog is corrected and the state rebuilt.

const inCatalog = (ctx: PrepareContext, planned: PlannedStep[]) =>
  planned.every((p) => ctx.store.getState(p.stateId) !== undefined);

/**
 * A warm copy of the last state is ready and every state is in the catalog: the hand-out
 * renames that copy and needs no template at all.
 */
export function warmCopyReady(
  ctx: PrepareContext,
  server: DbmsServer,
  planned: PlannedStep[],
): boolean {
  const last = planned.at(-1) as PlannedStep;
  return (
    server.rename !== undefined &&
    ctx.warmPool?.nextCopy(last.stateId) !== undefined &&
    inCatalog(ctx, planned)
  );
}

/**
 * Every state is in the catalog and the last one has a reserved instance (reservations.ts):
 * the job clones at once, its catalog write flushed meanwhile.
 */
export function reservedHit(ctx: PrepareContext, planned: PlannedStep[]): boolean {
  const last = planned.at(-1) as PlannedStep;
  return ctx.reservations?.has(last.stateId) === true && inCatalog(ctx, planned);
}

/** After a trusted hit failed: was it because a state database is gone from the server? */
export async function someGone(server: DbmsServer, planned: PlannedStep[]): Promise<boolean> {
  const dbs = planned.map((p) => p.stateDb);
  const existing = await server.existing(dbs).catch(() => undefined);
  return existing !== undefined && dbs.some((db) => !existing.has(db));
}

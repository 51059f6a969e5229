import type { DbmsServer } from '../../dbms/types.js';
import type { PlannedStep } from '../build/planner.js';
import type { PrepareContext } from '../context.js';

// A cache hit that can go straight to its instance skips the round trip that asks the server
// whether the state databases still exist (docs/prepare.md counts a state as cached only if it
// does): on a hit that round trip is most of what the engine adds to the clone. A state
// database dropped behind the engine's back makes the hit fail; the job then runs again with
// the check (executor.ts), so the catalog is corrected and the state rebuilt.

/**
 * What kind of cache hit the plan is, if every state is in the catalog: `warm` when a warm copy
 * of the last state is ready (the hand-out takes it as it is and needs no template at all),
 * `reserved` when the last state has a reserved instance (reservations.ts: the job clones at
 * once, its catalog write flushed meanwhile). The catalog is read once, after the cheaper
 * checks of the last state.
 */
export function hitKind(
  ctx: PrepareContext,
  planned: PlannedStep[],
): 'warm' | 'reserved' | undefined {
  const last = (planned.at(-1) as PlannedStep).stateId;
  const kind =
    ctx.warmPool?.nextCopy(last) !== undefined
      ? 'warm'
      : ctx.reservations?.has(last)
        ? 'reserved'
        : undefined;
  if (!kind) return undefined;
  return planned.every((p) => ctx.store.getState(p.stateId) !== undefined) ? kind : undefined;
}

/** After a trusted hit failed: was it because a state is gone, from the catalog or the server? */
export async function someGone(
  ctx: PrepareContext,
  server: DbmsServer,
  planned: PlannedStep[],
): Promise<boolean> {
  if (planned.some((p) => ctx.store.getState(p.stateId) === undefined)) return true;
  const dbs = planned.map((p) => p.stateDb);
  const existing = await server.existing(dbs).catch(() => undefined);
  return existing !== undefined && dbs.some((db) => !existing.has(db));
}

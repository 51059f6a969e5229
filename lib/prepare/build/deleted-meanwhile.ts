import { type CodedError, errorCode, sqlrsError } from '../../errors.js';
import type { PrepareContext } from '../context.js';

/**
 * A state deleted while a job made something from it (a step built on it, a copy of it): the
 * delete could not see that work, which is not in the catalog yet, so the job gives it up
 * rather than keep a state or instance whose state is gone. A delete still running is waited
 * out first (lib/kernel/deletions-in-progress.ts); the answer holds until the caller's next
 * await, so the caller commits in the same turn and no delete comes in between.
 */
export async function deletedMeanwhile(
  ctx: PrepareContext,
  stateId: string | null,
  doing: string,
): Promise<CodedError | undefined> {
  await ctx.deletions.settled(stateId);
  if (!stateId || ctx.store.getState(stateId)) return undefined;
  return stateGone(stateId, doing);
}

/**
 * deletedMeanwhile, asked right before the work is recorded, the caller committing in the same
 * turn. A state whose drop a delete recorded counts as deleted, and on a shared catalog the
 * replica first reads in what other engines wrote, so a delete they recorded is seen
 * (docs/deletion.md, "Across engines"). With the catalog server away it cannot be read: the
 * record is then committed and waits in the replica for the flush, which settles a COMMIT
 * whose answer was lost (docs/scaling.md, Failures).
 */
export async function deletedBeforeRecord(
  ctx: PrepareContext,
  stateId: string | null,
  doing: string,
): Promise<CodedError | undefined> {
  await ctx.deletions.settled(stateId);
  if (ctx.store.shared) await ctx.store.refresh().catch(() => undefined);
  if (!stateId || ctx.store.stateLive(stateId)) return undefined;
  return stateGone(stateId, doing);
}

const stateGone = (stateId: string, doing: string) =>
  sqlrsError('conflict', `state ${stateId} was deleted while ${doing}`);

/** The error to report: a server's own error (a clone whose template was dropped) gives way. */
export function orDeleted(err: unknown, deleted: CodedError | undefined): unknown {
  return errorCode(err) === undefined && deleted ? deleted : err;
}

/**
 * In the write or commit that records a child of the state or shows an instance of it: the
 * state must still be there and no delete may have recorded its drop. Throwing leaves the
 * write empty, and the caller drops what it made.
 */
export function assertStateLive(ctx: PrepareContext, stateId: string | null, doing: string): void {
  if (stateId && !ctx.store.stateLive(stateId)) throw stateGone(stateId, doing);
}

import type { DbmsServer } from '../../dbms/types.js';
import type { StoreWriter } from '../../store/types.js';
import { writeOrQueue } from '../../store/write-or-queue.js';
import type { PrepareContext } from '../context.js';
import type { Job } from '../jobs/job.js';
import { renameCopy } from '../records/instance-record.js';
import { dropLeftovers } from '../records/leftovers.js';
import type { Seed } from '../records/recorded-work.js';
import {
  assertStateLive,
  deletedBeforeRecord,
  deletedMeanwhile,
  orDeleted,
} from './deleted-meanwhile.js';
import type { PlannedStep } from './planner.js';

export interface BuildInput {
  server: DbmsServer;
  imageId: string;
  resolvedImageId: string;
  planned: PlannedStep;
  parentDb: string | null;
  parentStateId: string | null;
  /** Runs the step's script in the build database. */
  run: (buildDb: string) => Promise<void>;
  argsNormalized: string;
  /** The pending record of this build, written by the job before it started (recorded-work.ts). */
  opId: string;
  /** A warm copy of the parent the job took for this step, if any (recorded-work.ts). */
  takeSeed: () => Seed | undefined;
  /**
   * Given, the state's flush is left to the caller (`flush`, to call before its result goes
   * out) instead of made before buildState returns: the last step's flush then runs while its
   * instance is copied.
   */
  deferFlush?: (flush: () => Promise<void>) => void;
}

/**
 * Builds one state crash-safely (docs/prepare.md): per-state lock (in process and on the server),
 * catalog refresh and re-check, run the step in a build database (its pending record was flushed by the job
 * before it began), publish under the state name, then commit the state row and flush it.
 * Returns false when another builder won.
 */
export async function buildState(ctx: PrepareContext, job: Job, b: BuildInput): Promise<boolean> {
  const { planned, server } = b;
  return ctx.locks.run(planned.stateId, async () => {
    const unlock = await server.lockState(planned.stateDb);
    try {
      // With a shared catalog another engine may have built the state while we waited for
      // the lock: its row is read in before the re-check, so that build is a hit here.
      await ctx.store.refresh();
      if (await alreadyBuilt(ctx, server, planned)) {
        ctx.store.commit((w) => w.removePending(b.opId));
        return false;
      }
      await build(ctx, job, b);
      return true;
    } finally {
      await unlock();
    }
  });
}

async function alreadyBuilt(ctx: PrepareContext, server: DbmsServer, planned: PlannedStep) {
  if (!ctx.store.getState(planned.stateId)) return false;
  if ((await server.existing([planned.stateDb])).has(planned.stateDb)) return true;
  // The catalog remembers a state whose database is gone: forget it and build it again.
  await ctx.store.write((w) => w.deleteState(planned.stateId));
  return false;
}

async function build(ctx: PrepareContext, job: Job, b: BuildInput) {
  const { planned, server } = b;
  // A server without RENAME DATABASE builds in the state's database itself (docs/mysql.md):
  // no row names it a state until the commit below, and a failed build drops it (below).
  const buildDb = server.buildsInPlace ? planned.stateDb : ctx.names.build(job.id, planned.index);
  const { opId } = b;
  const now = () => ctx.clock().toISOString();
  try {
    await makeBuildDb(ctx, server, buildDb, b);
    job.log(planned.taskId, `building ${planned.stateId.slice(0, 12)} in ${buildDb}`);
    await b.run(buildDb);
    const size = await server.publish(buildDb, planned.stateDb);
    const deleted = await deletedBeforeRecord(ctx, b.parentStateId, 'a step was built on it');
    if (deleted) throw deleted;
    // Committed in the same turn as the check above; flushed below, outside this try: a
    // failed flush leaves the state published and in the catalog, as it is in memory, and a
    // shared catalog's flush lands it once the server answers (docs/scaling.md, Failures).
    const record = (w: StoreWriter) => {
      assertStateLive(ctx, b.parentStateId, 'a step was built on it');
      w.insertState({
        state_id: planned.stateId,
        parent_state_id: b.parentStateId,
        image_id: b.imageId,
        resolved_image_id: b.resolvedImageId,
        prepare_kind: job.kind,
        prepare_args_normalized: b.argsNormalized,
        db_name: planned.stateDb,
        created_at: now(),
        size_bytes: size,
        last_used_at: null,
      });
      w.removePending(opId);
    };
    ctx.store.commit(record);
  } catch (err) {
    // The state database too: its row was never written, and a publish that failed once it
    // had made it (MySQL's copies schema by schema) leaves it, and every later build of the
    // state would then fail on its name.
    const left = [...new Set([buildDb, planned.stateDb])];
    const recordLeft = await dropLeftovers(ctx, server, b.imageId, left, {
      targetId: planned.stateId,
      jobId: job.id,
    });
    await writeOrQueue(ctx.store, (w) => {
      w.removePending(opId);
      recordLeft(w);
    });
    throw orDeleted(err, await deletedMeanwhile(ctx, b.parentStateId, 'a step was built on it'));
  }
  // Durable before the job's result (docs/prepare.md): the job's pending records were all
  // written up front, so no later write of its own need come before its next step runs, or
  // before its result is sent; a crash meanwhile would lose the state, and the instance it
  // answered with would name a state the catalog does not have (docs/prepare.md). The last
  // step's flush is the caller's, made while the instance is copied: a crash before it leaves
  // the instance's pending record durable, and reconciliation drops the copy. A shared
  // catalog flushes here, under the state's lock: another engine takes the lock next and must
  // find the row in the catalog, or it would build the state again (docs/scaling.md).
  if (b.deferFlush && !ctx.store.shared) b.deferFlush(() => ctx.store.flush());
  else await ctx.store.flush();
}

/**
 * The build database: the warm copy of the parent the job took, renamed (its drop record
 * cleared with the next flush; until then reconciliation finds nothing to drop), else a clone.
 */
async function makeBuildDb(
  ctx: PrepareContext,
  server: DbmsServer,
  buildDb: string,
  b: BuildInput,
) {
  const seed = b.takeSeed();
  const outcome = seed && (await renameCopy(ctx, server, seed.db, buildDb));
  if (seed && outcome === 'renamed') {
    ctx.store.commit((w) => w.removePending(seed.opId));
    return;
  }
  if (seed && outcome === 'dropped') await ctx.store.write((w) => w.removePending(seed.opId));
  await server.createFrom(buildDb, b.parentDb);
}

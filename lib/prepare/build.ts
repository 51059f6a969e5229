import type { DbmsServer } from '../dbms/types.js';
import { randomHex } from '../id.js';
import type { PrepareContext } from './context.js';
import type { Job } from './job.js';
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
}

/**
 * Builds one state crash-safely (SPEC §6.3): per-state lock (in process and on the server),
 * re-check, pending record flushed before the build database exists, run the step, publish
 * under the state name, then commit the state row. Returns false when another builder won.
 */
export async function buildState(ctx: PrepareContext, job: Job, b: BuildInput): Promise<boolean> {
  const { planned, server } = b;
  return ctx.stateLocks.run(planned.stateId, async () => {
    const unlock = await server.lockState(planned.stateDb);
    try {
      if (await alreadyBuilt(ctx, server, planned)) return false;
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
  const buildDb = ctx.names.build(job.id, planned.index);
  const opId = randomHex(8);
  const now = () => ctx.clock().toISOString();
  await ctx.store.write((w) =>
    w.addPending({
      op_id: opId,
      kind: 'state_build',
      image_id: b.imageId,
      db_name: buildDb,
      target_id: planned.stateId,
      job_id: job.id,
      created_at: now(),
    }),
  );
  try {
    await server.createFrom(buildDb, b.parentDb);
    job.log(planned.taskId, `building ${planned.stateId.slice(0, 12)} in ${buildDb}`);
    await b.run(buildDb);
    const size = await server.publish(buildDb, planned.stateDb);
    await ctx.store.write((w) => {
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
    });
  } catch (err) {
    await server
      .drop(buildDb, true)
      .catch((e) => ctx.logger.error('drop_failed', { db: buildDb, error: String(e) }));
    await ctx.store.write((w) => w.removePending(opId));
    throw err;
  }
}

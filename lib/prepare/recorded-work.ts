import { newInstanceId, randomHex } from '../id.js';
import type { PrepareContext } from './context.js';
import type { Job } from './job.js';
import type { PlannedStep } from './planner.js';

/** The pending records a job with builds writes before it creates anything. */
export interface RecordedWork {
  /** Step index to the op id of its state_build record. */
  builds: Map<number, string>;
  /** The instance the job will make, already recorded as instance_create. */
  instance: { instanceId: string; opId: string };
}

/**
 * Records every database a job may create (each step's build database and the instance) as
 * pending, in one flush before the first of them exists (SPEC §6.3 step 2, §6.4): one flush
 * for the job instead of one per step, made while the plan asks the server which states
 * exist. Steps found cached lose their records (forgetCached); each other record is cleared
 * as its database is committed or dropped; `forgetWork` clears whatever a failed job left.
 */
export async function recordWork(
  ctx: PrepareContext,
  job: Job,
  imageId: string,
  planned: PlannedStep[],
): Promise<RecordedWork> {
  const work: RecordedWork = {
    builds: new Map(planned.filter((p) => !p.cached).map((p) => [p.index, randomHex(8)])),
    instance: { instanceId: newInstanceId(), opId: randomHex(8) },
  };
  const created_at = ctx.clock().toISOString();
  const base = { image_id: imageId, job_id: job.id, created_at };
  await ctx.store.write((w) => {
    for (const p of planned) {
      const opId = work.builds.get(p.index);
      if (opId === undefined) continue;
      w.addPending({
        ...base,
        op_id: opId,
        kind: 'state_build',
        db_name: ctx.names.build(job.id, p.index),
        target_id: p.stateId,
      });
    }
    w.addPending({
      ...base,
      op_id: work.instance.opId,
      kind: 'instance_create',
      db_name: ctx.names.instance(work.instance.instanceId),
      target_id: work.instance.instanceId,
    });
  });
  return work;
}

/** Clears, without a flush of its own, the records of steps the plan found cached. */
export function forgetCached(
  ctx: PrepareContext,
  work: RecordedWork,
  planned: PlannedStep[],
): void {
  const cached = planned.filter((p) => p.cached && work.builds.has(p.index));
  if (cached.length === 0) return;
  ctx.store.commit((w) => {
    for (const p of cached) w.removePending(work.builds.get(p.index) as string);
  });
  for (const p of cached) work.builds.delete(p.index);
}

/** Clears the records of a job that ended early (their databases were never made or are gone). */
export async function forgetWork(ctx: PrepareContext, work: RecordedWork): Promise<void> {
  await ctx.store.write((w) => {
    for (const opId of [...work.builds.values(), work.instance.opId]) w.removePending(opId);
  });
}

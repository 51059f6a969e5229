import type { DbmsServer } from '../dbms/types.js';
import { randomHex } from '../id.js';
import type { StateRow } from '../store/types.js';
import type { PrepareContext } from './context.js';
import {
  addPending,
  type PlannedInstance,
  planInstance,
  recordInstance,
  renameCopy,
  takeCopy,
  unrecordInstance,
} from './instance-record.js';
import { stateSource } from './pool-source.js';

export interface NewInstance {
  instanceId: string;
  dsn: string;
}

export interface InstanceOptions {
  jobId: string;
  name?: string;
  /** The state was in the cache already (not built by this job): keep warm copies of it. */
  reused: boolean;
  /** The instance as the job recorded it up front (row and instance_create record). */
  recorded?: { plan: PlannedInstance; opId: string };
}

/**
 * Makes a private copy of a sealed state (SPEC §6.2): by clone when the job recorded the
 * instance up front, else from the warm pool by rename when a copy is ready, else by clone.
 * A state asked for again is then marked used, so the pool keeps copies of it ready.
 */
export async function createInstance(
  ctx: PrepareContext,
  server: DbmsServer,
  state: StateRow,
  { jobId, name, reused, recorded }: InstanceOptions,
): Promise<NewInstance> {
  let tidy: () => void;
  let plan: PlannedInstance;
  if (recorded) {
    plan = recorded.plan;
    tidy = await recordedClone(ctx, server, state, plan, recorded.opId);
  } else {
    plan = planInstance(
      ctx,
      server,
      { stateId: state.state_id, imageId: state.image_id },
      jobId,
      name,
    );
    const pooled = server.rename ? ctx.warmPool?.nextCopy(state.state_id) : undefined;
    const handedOut = pooled === undefined ? undefined : await fromPool(ctx, server, plan, pooled);
    tidy = handedOut ?? (await byClone(ctx, server, state, plan));
  }
  // Clearing the records shows the instance (no flush: see above) before the result goes out;
  // the refill waits a turn of the event loop, so the result goes out first.
  tidy();
  if (reused) setImmediate(() => ctx.warmPool?.used(stateSource(state), server));
  return { instanceId: plan.row.instance_id, dsn: plan.row.dsn };
}

/**
 * One catalog write, then the rename: the instance row and both pending records (the pool
 * copy going, the instance coming) are durable before the server changes, so a crash in
 * between is finished by reconciliation. Clearing the records (the function returned) needs
 * no flush of its own: until the next flush, reconciliation finds the instance there and the
 * pool copy gone, and does nothing. Undefined (with the catalog put back) when the rename fails.
 */
async function fromPool(
  ctx: PrepareContext,
  server: DbmsServer,
  plan: PlannedInstance,
  pooled: string,
): Promise<(() => void) | undefined> {
  const ops = [randomHex(8), randomHex(8)];
  await ctx.store.write((w) => {
    takeCopy(w, plan, ops[0] as string, pooled);
    addPending(w, plan, ops[1] as string, 'instance_create', plan.row.db_name);
    recordInstance(w, plan);
  });
  if (!(await renameCopy(ctx, server, pooled, plan.row.db_name))) {
    await ctx.store.write((w) => {
      for (const op of ops) w.removePending(op);
      unrecordInstance(w, plan);
    });
    return undefined;
  }
  return () =>
    ctx.store.commit((w) => {
      for (const op of ops) w.removePending(op);
    });
}

/**
 * The clone of an instance recorded beforehand (its row and instance_create record flushed
 * together, by the job's first write or by byClone): nothing to flush afterwards; clearing the
 * record (the function returned) shows the instance.
 */
async function recordedClone(
  ctx: PrepareContext,
  server: DbmsServer,
  state: StateRow,
  plan: PlannedInstance,
  opId: string,
): Promise<() => void> {
  try {
    await server.cloneInstance(state.db_name, plan.row.db_name, state.size_bytes);
  } catch (err) {
    await server.drop(plan.row.db_name, true).catch(() => undefined);
    await ctx.store.write((w) => {
      w.removePending(opId);
      unrecordInstance(w, plan);
    });
    throw err;
  }
  return () => ctx.store.commit((w) => w.removePending(opId));
}

/**
 * A clone the job did not record up front (the warm copy it planned on was gone): record it
 * the same way (the row, hidden while its record is pending), then clone.
 */
async function byClone(
  ctx: PrepareContext,
  server: DbmsServer,
  state: StateRow,
  plan: PlannedInstance,
): Promise<() => void> {
  const opId = randomHex(8);
  await ctx.store.write((w) => {
    addPending(w, plan, opId, 'instance_create', plan.row.db_name);
    recordInstance(w, plan);
  });
  return recordedClone(ctx, server, state, plan, opId);
}

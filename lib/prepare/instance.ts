import type { DbmsServer } from '../dbms/types.js';
import { newInstanceId, randomHex } from '../id.js';
import type { InstanceRow, StateRow, StoreWriter } from '../store/types.js';
import type { PrepareContext } from './context.js';

export interface NewInstance {
  instanceId: string;
  dsn: string;
}

interface Planned {
  row: InstanceRow;
  jobId: string;
  name?: string;
  /** An instance_create record written earlier by the job. */
  opId?: string;
}

export interface InstanceOptions {
  jobId: string;
  name?: string;
  /** The state was in the cache already (not built by this job): keep warm copies of it. */
  reused: boolean;
  /** The instance id and its instance_create record, when the job recorded them up front. */
  recorded?: { instanceId: string; opId: string };
}

/**
 * Makes a private copy of a sealed state (SPEC §6.2): from the warm pool by rename when a
 * copy is ready, else by cloning. A state asked for again is then marked used, so the pool
 * keeps copies of it ready for the next request.
 */
export async function createInstance(
  ctx: PrepareContext,
  server: DbmsServer,
  state: StateRow,
  { jobId, name, reused, recorded }: InstanceOptions,
): Promise<NewInstance> {
  const instanceId = recorded?.instanceId ?? newInstanceId();
  const db = ctx.names.instance(instanceId);
  const row: InstanceRow = {
    instance_id: instanceId,
    image_id: state.image_id,
    state_id: state.state_id,
    db_name: db,
    dsn: server.dsn(db),
    created_at: ctx.clock().toISOString(),
    expires_at: null,
  };
  const plan: Planned = { row, jobId, name, opId: recorded?.opId };
  const pooled = server.rename ? ctx.warmPool?.claim(state.state_id) : undefined;
  const tidy = pooled === undefined ? undefined : await fromPool(ctx, server, plan, pooled);
  if (!tidy) await byClone(ctx, server, state, plan);
  // Book-keeping and the refill wait one turn of the event loop: the result goes out first.
  setImmediate(() => {
    if (tidy) tidy();
    if (reused) ctx.warmPool?.used(state, server);
  });
  return { instanceId, dsn: row.dsn };
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
  plan: Planned,
  pooled: string,
): Promise<(() => void) | undefined> {
  const rename = server.rename?.bind(server) as (a: string, b: string) => Promise<void>;
  const ops = [randomHex(8), randomHex(8)];
  await ctx.store.write((w) => {
    w.removePooled(pooled);
    pending(w, plan, ops[0] as string, 'drop', pooled);
    pending(w, plan, ops[1] as string, 'instance_create', plan.row.db_name);
    if (plan.opId) w.removePending(plan.opId);
    record(w, plan);
  });
  try {
    await rename(pooled, plan.row.db_name);
  } catch (err) {
    ctx.logger.error('warm_pool_rename_failed', { db: pooled, error: String(err) });
    await server.drop(pooled, true).catch(() => undefined);
    await ctx.store.write((w) => {
      for (const op of ops) w.removePending(op);
      unrecord(w, plan);
    });
    return undefined;
  }
  return () =>
    ctx.store.commit((w) => {
      for (const op of ops) w.removePending(op);
    });
}

/**
 * The pending record first (unless the job wrote it already), then the clone, then the
 * instance row in one catalog write.
 */
async function byClone(ctx: PrepareContext, server: DbmsServer, state: StateRow, plan: Planned) {
  const opId = plan.opId ?? randomHex(8);
  const db = plan.row.db_name;
  if (!plan.opId) await ctx.store.write((w) => pending(w, plan, opId, 'instance_create', db));
  try {
    await server.cloneInstance(state.db_name, db, state.size_bytes);
    await ctx.store.write((w) => {
      record(w, plan);
      w.removePending(opId);
    });
  } catch (err) {
    await server.drop(db, true).catch(() => undefined);
    await ctx.store.write((w) => w.removePending(opId));
    throw err;
  }
}

function pending(
  w: StoreWriter,
  plan: Planned,
  opId: string,
  kind: 'drop' | 'instance_create',
  db: string,
) {
  w.addPending({
    op_id: opId,
    kind,
    image_id: plan.row.image_id,
    db_name: db,
    target_id: kind === 'drop' ? db : plan.row.instance_id,
    job_id: plan.jobId,
    created_at: plan.row.created_at,
  });
}

/** The instance row, its name binding and the state's last use, in the caller's write. */
function record(w: StoreWriter, plan: Planned) {
  const { row, name } = plan;
  w.insertInstance(row);
  if (name) {
    w.putName({
      name,
      instance_id: row.instance_id,
      image_id: row.image_id,
      state_id: row.state_id,
      created_at: row.created_at,
      last_used_at: row.created_at,
    });
  }
  w.touchState(row.state_id, row.created_at);
}

function unrecord(w: StoreWriter, plan: Planned) {
  w.deleteInstance(plan.row.instance_id);
  if (plan.name) w.deleteName(plan.name);
}

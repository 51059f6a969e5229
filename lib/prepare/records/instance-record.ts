import type { DbmsServer } from '../../dbms/types.js';
import { parseDuration } from '../../duration.js';
import { sqlrsError } from '../../errors.js';
import { newInstanceId, randomHex } from '../../id.js';
import { lifetimeOf, plusSeconds } from '../../lifecycle/expiry.js';
import { DEFAULT_INSTANCE_TTL } from '../../lifecycle/settings.js';
import type { InstanceRow, Store, StoreWriter } from '../../store/types.js';
import type { PrepareContext } from '../context.js';
import { dropped } from './leftovers.js';
import type { Reservation } from './reservations.js';

/** An instance a job is about to make: its row, the job and the name it binds. */
export interface PlannedInstance {
  row: InstanceRow;
  jobId: string;
  name?: string;
  /** build_role restricted: the password of the instance's own login (its DSN carries it). */
  password?: string;
  /** The TTL the request asked for: counted from the hand-out (handOut). */
  ttlSeconds?: number;
  /** The engine that plans it: the owner of its pending records (docs/scaling.md). */
  engineId: string;
}

/** What the request asks of its instance: a name to bind, a TTL (docs/lifecycle.md). */
export interface InstanceAsk {
  name?: string;
  ttlSeconds?: number;
}

export function planInstance(
  ctx: PrepareContext,
  server: DbmsServer,
  target: { stateId: string; imageId: string },
  jobId: string,
  { name, ttlSeconds }: InstanceAsk,
  instanceId = newInstanceId(),
  // A warm copy's login has its password already (made with the copy).
  password = server.access === 'restricted' ? randomHex(16) : undefined,
): PlannedInstance {
  const db = ctx.names.instance(instanceId);
  const created_at = ctx.clock().toISOString();
  const instanceTtlMs = parseDuration(ctx.config.instance_ttl ?? DEFAULT_INSTANCE_TTL);
  const row: InstanceRow = {
    instance_id: instanceId,
    image_id: target.imageId,
    state_id: target.stateId,
    db_name: db,
    dsn: server.dsn(db, password),
    created_at,
    ...lifetimeOf(created_at, { ttlSeconds, named: name !== undefined, instanceTtlMs }),
    last_used_at: created_at,
  };
  return { row, jobId, name, password, ttlSeconds, engineId: ctx.engineId };
}

/**
 * The instance handed out, in the write that makes it visible: its expiry counts from now,
 * not from when the job planned it, so a build's time is not taken from a lease (a fixed TTL
 * from now; a sliding one from now as its last use). `plan.row` follows.
 */
export function handOut(ctx: PrepareContext, w: StoreWriter, plan: PlannedInstance) {
  const { row, ttlSeconds } = plan;
  const at = ctx.clock().toISOString();
  const seconds = ttlSeconds ?? row.idle_ttl_seconds ?? undefined;
  const expiresAt =
    seconds === undefined || row.expires_at === null ? null : plusSeconds(at, seconds);
  w.handOutInstance(row.instance_id, at, expiresAt);
  Object.assign(row, { created_at: at, last_used_at: at, expires_at: expiresAt });
}

/** A pending record of the job's (docs/catalog.md), in the caller's write. */
export function addPending(
  w: StoreWriter,
  plan: PlannedInstance,
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
    engine_id: plan.engineId,
    ...(kind === 'drop' ? { reason: 'taken' as const } : {}),
  });
}

/**
 * The instance row, its name binding and the state's last use, in the caller's write. While
 * the row's instance_create record is pending, the catalog's readers do not show it.
 */
export function recordInstance(w: StoreWriter, plan: PlannedInstance) {
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

/**
 * The instance coming, in the caller's write: its instance_create record (the reserved one,
 * claimed for the job, else a new one under `opId`), its row and name, and the reservation of
 * its state's next instance, returned for the caller to hold once the write is durable.
 */
export function recordNewInstance(
  ctx: PrepareContext,
  w: StoreWriter,
  plan: PlannedInstance,
  opId: string,
  reserved: Reservation | undefined,
): Reservation | undefined {
  if (reserved) w.claimPending(reserved.opId, plan.jobId);
  else addPending(w, plan, opId, 'instance_create', plan.row.db_name);
  return recordInstanceAndNext(ctx, w, plan);
}

/**
 * The instance's row and name, and the reservation of its state's next instance (returned for
 * the caller to hold once the write is durable), in the caller's write.
 */
export function recordInstanceAndNext(
  ctx: PrepareContext,
  w: StoreWriter,
  plan: PlannedInstance,
): Reservation | undefined {
  recordInstance(w, plan);
  const target = { stateId: plan.row.state_id, imageId: plan.row.image_id };
  return ctx.reservations?.record(w, target, plan.row.created_at);
}

/**
 * A warm-pool copy taken out, in the caller's write: its pool row goes and a drop record comes
 * in, which the rename into its new name makes moot (reconciliation drops a copy left behind).
 */
export function takeCopy(w: StoreWriter, plan: PlannedInstance, opId: string, db: string) {
  w.removePooled(db);
  addPending(w, plan, opId, 'drop', db);
}

/**
 * Renames a taken copy: `renamed`. A copy that cannot be renamed (someone holds it open) is
 * dropped (`dropped`), and the caller clones instead and clears the copy's drop record; one
 * that cannot be dropped either is `left`, its record kept for reconciliation (cleared, the
 * copy stayed as an unknown database nothing drops).
 */
export async function renameCopy(
  ctx: PrepareContext,
  server: DbmsServer,
  copy: string,
  to: string,
): Promise<'renamed' | 'dropped' | 'left'> {
  try {
    await (server.rename as (a: string, b: string) => Promise<void>).call(server, copy, to);
    return 'renamed';
  } catch (err) {
    ctx.logger.error('warm_pool_rename_failed', { db: copy, error: String(err) });
    return (await dropped(ctx, server, copy)) ? 'dropped' : 'left';
  }
}

/**
 * In the write that binds the instance's name: the name still free, or bound to an instance
 * that is gone (or to this one). The job manager checks at submit, but only this engine's jobs;
 * with a shared catalog another engine may bind the name meanwhile, and the write that binds
 * it runs on the catalog's head, so this check is the one that holds (docs/scaling.md).
 */
export function checkNameFree(
  store: Pick<Store, 'getName' | 'getInstance'>,
  plan: PlannedInstance,
) {
  if (!plan.name) return;
  const bound = store.getName(plan.name);
  if (bound && bound.instance_id !== plan.row.instance_id && store.getInstance(bound.instance_id))
    throw sqlrsError('conflict', `name ${plan.name} is bound to instance ${bound.instance_id}`);
}

/** The instance's row and its name, if the name is still this instance's (never another's). */
export function unrecordInstance(
  w: StoreWriter,
  plan: PlannedInstance,
  store: Pick<Store, 'getName'>,
) {
  w.deleteInstance(plan.row.instance_id);
  if (plan.name && store.getName(plan.name)?.instance_id === plan.row.instance_id)
    w.deleteName(plan.name);
}

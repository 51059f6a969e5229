import { catalogTarget } from '../../config.js';
import type { DbmsServer } from '../../dbms/types.js';
import { jobCancelled } from '../../errors.js';
import { randomHex } from '../../id.js';
import type { StateRow, StoreWriter } from '../../store/types.js';
import { writeOrQueue } from '../../store/write-or-queue.js';
import {
  assertStateLive,
  deletedBeforeRecord,
  deletedMeanwhile,
  orDeleted,
} from '../build/deleted-meanwhile.js';
import type { PrepareContext } from '../context.js';
import {
  addPending,
  handOut,
  type PlannedInstance,
  planInstance,
  recordInstance,
  recordInstanceAndNext,
  unrecordInstance,
} from '../records/instance-record.js';
import { dropLeftovers } from '../records/leftovers.js';
import type { Reservation } from '../records/reservations.js';
import { stateSource } from './pool-source.js';

export interface NewInstance {
  instanceId: string;
  dsn: string;
}

/** An instance a job recorded up front, and how to make that record durable. */
export interface RecordedInstance {
  plan: PlannedInstance;
  opId: string;
  durable: () => Promise<void>;
}

export interface InstanceOptions {
  jobId: string;
  name?: string;
  /** The instance's TTL, if the request gave one (docs/lifecycle.md). */
  ttlSeconds?: number;
  /** The state was in the cache already (not built by this job): keep warm copies of it. */
  reused: boolean;
  /**
   * The instance as the job recorded it up front (row and instance_create record), and when
   * that write is durable (reserved: maybe only after the clone).
   */
  recorded?: RecordedInstance;
  /** The job's: a cancel that comes while the instance is made undoes it (docs/deletion.md). */
  signal?: AbortSignal;
}

/**
 * Makes a private copy of a sealed state (docs/prepare.md): by clone when the job recorded the
 * instance up front, else a warm copy made under its name when one is ready, else by clone.
 * A state asked for again is then marked used, so the pool keeps copies of it ready.
 */
export async function createInstance(
  ctx: PrepareContext,
  server: DbmsServer,
  state: StateRow,
  { jobId, name, ttlSeconds, reused, recorded, signal }: InstanceOptions,
): Promise<NewInstance> {
  let tidy: () => void;
  let plan: PlannedInstance;
  if (recorded) {
    plan = recorded.plan;
    // A state this job built is fresh: copied so that its dirty pages need no checkpoint first.
    tidy = await recordedClone(ctx, server, state, recorded, signal, !reused);
  } else {
    const target = { stateId: state.state_id, imageId: state.image_id };
    const ask = { name, ttlSeconds };
    const pooled = ctx.warmPool?.nextCopy(state.state_id);
    const copyOf = pooled === undefined ? undefined : ctx.names.instanceIdOf(pooled);
    plan = copyOf
      ? planInstance(ctx, server, target, jobId, ask, copyOf, passwordOf(ctx, state, pooled))
      : planInstance(ctx, server, target, jobId, ask);
    tidy = copyOf
      ? await adoptCopy(ctx, server, state, plan, pooled as string, signal)
      : await byClone(ctx, server, state, plan, signal);
  }
  // Clearing the records shows the instance (no flush: see above) before the result goes out;
  // the refill waits a turn of the event loop, so the result goes out first.
  tidy();
  // A shared catalog: the answer goes out once every engine can see the instance (a client
  // asks another engine next, docs/scaling.md). If the catalog server does not take it now,
  // the store keeps trying in the background; the instance is made and the job succeeds.
  if (catalogTarget(ctx.config).kind !== 'sqljs') {
    await ctx.store.flush().catch((err: Error) => {
      ctx.logger.error('instance_shown_late', { error: err.message });
    });
  }
  if (reused) setImmediate(() => ctx.warmPool?.used(stateSource(state), server));
  return { instanceId: plan.row.instance_id, dsn: plan.row.dsn };
}

/**
 * A warm copy, made under this instance's name, becomes the instance: one catalog write (its
 * pool row out; the instance's row and name, and the state's next reservation, in) and its
 * flush, and nothing changes on the server. Either catalog, the old or the new, names the
 * database, as a pool copy or as the instance, whenever a crash comes. Whether the copy is
 * still there (someone may have dropped it behind the engine's back) is asked as the write is
 * made and flushed: a read, with no commit to wait for. A copy that is gone is cloned again under
 * the same name; an unanswered question puts the copy back and fails the job.
 */
async function adoptCopy(
  ctx: PrepareContext,
  server: DbmsServer,
  state: StateRow,
  plan: PlannedInstance,
  copy: string,
  signal?: AbortSignal,
): Promise<() => void> {
  let next: Reservation | undefined;
  // Asked first: on a connection of its own the question leaves at once (probe.ts) and its
  // answer is back before the flush's fsync, which it slowed when the two overlapped.
  const checking = server.existing([copy]);
  let stateGone = false;
  const written = ctx.store.write((w) => {
    stateGone = !ctx.store.stateLive(state.state_id);
    assertStateLive(ctx, state.state_id, 'it was copied'); // throws when stateGone
    w.removePooled(copy);
    next = recordInstanceAndNext(ctx, w, plan);
    handOut(ctx, w, plan); // no record pending: this write shows it
  });
  written.catch(() => undefined); // awaited after the check: failing first must not end the process
  const putBack = async (err: unknown) => {
    await written.catch(() => undefined);
    if (stateGone) {
      // Its state is being deleted (or is gone): the copy goes, not back to the pool.
      const dropped = await server.drop(copy, true).then(
        (outcome) => outcome !== 'busy',
        () => false,
      );
      if (dropped) await writeOrQueue(ctx.store, (w) => w.removePooled(copy));
      throw err;
    }
    await ctx.store.write((w) => {
      unrecordInstance(w, plan, ctx.store);
      // Back as the newest copy: its age only orders hand-outs.
      w.addPooled({
        db_name: copy,
        state_id: state.state_id,
        image_id: state.image_id,
        created_at: ctx.clock().toISOString(),
        access: server.access,
        password: plan.password ?? null,
        engine_id: ctx.engineId,
      });
      if (next) w.removePending(next.opId);
    });
    throw err;
  };
  const present = await checking.then((found) => found.has(copy), putBack);
  // A write that was committed but could not be saved: the copy goes back to the pool in
  // memory too, as it still is on disk, rather than stay an instance nobody was given.
  await written.catch(putBack);
  if (signal?.aborted) await putBack(jobCancelled());
  ctx.reservations?.hold(next);
  if (present) return () => undefined;
  ctx.logger.error('warm_pool_copy_gone', { db: copy });
  await ctx.store.write((w) => unrecordInstance(w, plan, ctx.store));
  return byClone(ctx, server, state, plan, signal);
}

/** The password a warm copy's login was made with (build_role restricted), from its pool row. */
function passwordOf(ctx: PrepareContext, state: StateRow, copy?: string): string | undefined {
  const row = ctx.store.listPooled(state.state_id).find((r) => r.db_name === copy);
  return row?.password ?? undefined;
}

const abortedBy = (signal?: AbortSignal) => (signal?.aborted ? jobCancelled() : undefined);

/**
 * Waits for the instance's write to be durable; a database made meanwhile is dropped if it
 * never becomes so (the job fails, and reconciliation finds no half-made instance to keep).
 */
async function settle(
  server: DbmsServer,
  plan: PlannedInstance,
  durable: Promise<void>,
): Promise<void> {
  try {
    await durable;
  } catch (err) {
    await server.drop(plan.row.db_name, true).catch(() => undefined);
    throw err;
  }
}

/**
 * The clone of an instance recorded beforehand (its row and instance_create record flushed
 * together, by the job's first write or by byClone; or, reserved, flushed while it clones):
 * nothing to flush afterwards; clearing the record (the function returned) shows the instance.
 */
async function recordedClone(
  ctx: PrepareContext,
  server: DbmsServer,
  state: StateRow,
  { plan, opId, durable }: RecordedInstance,
  signal?: AbortSignal,
  fresh = false,
): Promise<() => void> {
  const cloning = server.cloneInstance(
    state.db_name,
    plan.row.db_name,
    state.size_bytes,
    plan.password,
    { fresh },
  );
  // Flushed while the server clones: the export of the catalog, synchronous, waits until the
  // query has gone out (a reserved instance's write; any other is durable already).
  const flushed = new Promise((r) => setImmediate(r)).then(durable);
  flushed.catch(() => undefined); // awaited below, unless the clone fails first
  const undo = async () => {
    const recordLeft = await dropLeftovers(ctx, server, plan.row.image_id, [plan.row.db_name], {
      targetId: plan.row.instance_id,
      jobId: plan.jobId,
    });
    await writeOrQueue(ctx.store, (w) => {
      w.removePending(opId);
      unrecordInstance(w, plan, ctx.store);
      recordLeft(w);
    });
  };
  const copying = 'it was copied';
  try {
    await cloning;
  } catch (err) {
    await undo();
    throw orDeleted(err, await deletedMeanwhile(ctx, state.state_id, copying));
  }
  await settle(server, plan, flushed);
  // A delete of the state while it was copied did not see this instance (still pending).
  // The caller clears the record in the same turn as this check.
  const stop = (await deletedBeforeRecord(ctx, state.state_id, copying)) ?? abortedBy(signal);
  if (stop) {
    await undo();
    throw stop;
  }
  // Shown now: its expiry counts from here, not from the job's first write.
  return () =>
    ctx.store.commit((w: StoreWriter) => {
      assertStateLive(ctx, state.state_id, copying);
      w.removePending(opId);
      handOut(ctx, w, plan);
    });
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
  signal?: AbortSignal,
): Promise<() => void> {
  const opId = randomHex(8);
  await ctx.store.write((w) => {
    addPending(w, plan, opId, 'instance_create', plan.row.db_name);
    recordInstance(w, plan);
  });
  const recorded = { plan, opId, durable: () => Promise.resolve() };
  return recordedClone(ctx, server, state, recorded, signal);
}

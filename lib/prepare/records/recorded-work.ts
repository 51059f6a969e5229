import type { DbmsServer } from '../../dbms/types.js';
import { randomHex } from '../../id.js';
import type { StoreWriter } from '../../store/types.js';
import { writeOrQueue } from '../../store/write-or-queue.js';
import type { PlannedStep } from '../build/planner.js';
import type { PrepareContext } from '../context.js';
import { baseSource, type PoolSource, stateSource } from '../hand-out/pool-source.js';
import type { Job } from '../jobs/job.js';
import {
  checkNameFree,
  type InstanceAsk,
  type PlannedInstance,
  planInstance,
  recordNewInstance,
  takeCopy,
  unrecordInstance,
} from './instance-record.js';
import type { Reservation } from './reservations.js';

/** A warm copy taken out of the pool to become a step's build database (renamed, not cloned). */
export interface Seed {
  index: number;
  db: string;
  /** Its drop record: until the rename, the copy is on its way out. */
  opId: string;
}

/** The pending records (and the instance row) a job writes before it creates anything. */
export interface RecordedWork {
  /** Step index to the op id of its state_build record. */
  builds: Map<number, string>;
  /** The instance the job will make: its row and its instance_create record, both written. */
  instance: { plan: PlannedInstance; opId: string };
  /** What the first step the catalog lacks builds on: the base or a cached state. */
  parent?: PoolSource;
  /** A warm copy of that parent, taken for the step's build database; gone once used. */
  seed?: Seed;
  /**
   * Makes the job's first write durable (once; later calls share it). recordWork waits for
   * that unless the instance was reserved, its record durable already: then the write is only
   * committed, the server is asked about the states, and the flush starts once the clone is
   * on its way (recordedClone). Builds wait for it.
   */
  durable: () => Promise<void>;
  /** The last state's next instance, reserved by the same write; held once that is durable. */
  next?: Reservation;
}

/**
 * Records every database a job may create (each step's build database and the instance) as
 * pending, in one flush before the first of them exists (docs/catalog.md): one flush
 * for the job instead of one per step, made while the plan asks the server which states
 * exist. The instance's row and name go in the same write, hidden from readers while its
 * record is pending, so no flush is left to make after its clone. Steps found cached lose
 * their records (forgetCached); each other record is cleared as its database is committed or
 * dropped; `forgetWork` clears whatever a failed job left. The same write reserves the last
 * state's next instance (reservations.ts); a cache hit takes the one reserved before it.
 *
 * When a warm copy of the parent of the first step the catalog lacks is ready, the same write
 * takes it out of the pool (a drop record until it is renamed into the build database): a
 * cold prepare then skips the clone its first build would begin with.
 */
export async function recordWork(
  ctx: PrepareContext,
  job: Job,
  server: DbmsServer,
  planned: PlannedStep[],
  { name, ttlSeconds, trusted }: InstanceAsk & { trusted: boolean },
): Promise<RecordedWork> {
  const imageId = job.imageId;
  const last = { stateId: (planned.at(-1) as PlannedStep).stateId, imageId };
  const first = planned.find((p) => ctx.store.getState(p.stateId) === undefined);
  const reserved = first ? undefined : ctx.reservations?.take(last.stateId);
  const plan = planInstance(ctx, server, last, job.id, { name, ttlSeconds }, reserved?.instanceId);
  const work: RecordedWork = {
    // Every step: which are cached is known only when the plan's round trip returns; a trusted
    // hit makes no such trip and builds nothing (if a state is gone, the job runs again checked).
    builds: new Map(trusted ? [] : planned.map((p) => [p.index, randomHex(8)])),
    instance: { plan, opId: reserved?.opId ?? randomHex(8) },
    durable: () => Promise.resolve(),
  };
  const created_at = ctx.clock().toISOString();
  const base = { image_id: imageId, job_id: job.id, created_at, engine_id: ctx.engineId };
  if (first) work.parent = parentSource(ctx, imageId, first, planned);
  const record = (w: StoreWriter) => {
    checkNameFree(ctx.store, plan);
    if (first && server.rename) seedFromPool(ctx, w, work, first.index);
    for (const p of planned.filter((p) => work.builds.has(p.index))) {
      w.addPending({
        ...base,
        op_id: work.builds.get(p.index) as string,
        kind: 'state_build',
        db_name: ctx.names.build(job.id, p.index),
        target_id: p.stateId,
      });
    }
    work.next = recordNewInstance(ctx, w, plan, work.instance.opId, reserved);
  };
  const hold = () => ctx.reservations?.hold(work.next);
  // A name is bound only by a write, which runs at the catalog's head (checkNameFree): a
  // commit() is not checked against other engines' writes (docs/scaling.md, Writes).
  if (reserved && !name) {
    ctx.store.commit(record);
    work.durable = once(() => ctx.store.flush().then(hold));
  } else {
    await ctx.store.write(record).catch((err) => takeBack(ctx, server, work, err));
    hold();
  }
  return work;
}

/**
 * A first write committed but not saved (a full disk): nothing was made yet, so its records
 * leave memory too, rather than wait there for a later flush and the next start's
 * reconciliation; the reservation it made was never durable and is not held. Throws `err`.
 */
async function takeBack(
  ctx: PrepareContext,
  server: DbmsServer,
  work: RecordedWork,
  err: unknown,
): Promise<never> {
  const next = work.next;
  work.next = undefined;
  if (next) ctx.store.commit((w) => w.removePending(next.opId));
  await forgetWork(ctx, server, work).catch(() => undefined);
  throw err;
}

function once(start: () => Promise<void>): () => Promise<void> {
  let started: Promise<void> | undefined;
  return () => {
    started ??= start();
    return started;
  };
}

/** In the job's first write: a ready copy of the parent becomes the step's seed. */
function seedFromPool(ctx: PrepareContext, w: StoreWriter, work: RecordedWork, index: number) {
  const copy = work.parent && ctx.warmPool?.nextCopy(work.parent.key);
  if (copy === undefined) return;
  work.seed = { index, db: copy, opId: randomHex(8) };
  takeCopy(w, work.instance.plan, work.seed.opId, copy);
}

function parentSource(
  ctx: PrepareContext,
  imageId: string,
  step: PlannedStep,
  planned: PlannedStep[],
): PoolSource | undefined {
  if (step.input.kind === 'image') return baseSource(imageId, step.input.id);
  const parent = ctx.store.getState(planned[step.index - 1]?.stateId as string);
  return parent && stateSource(parent);
}

/** The seed for this step, if the job took one for it; a seed is used once. */
export function takeSeed(work: RecordedWork, index: number): Seed | undefined {
  const seed = work.seed;
  if (seed?.index !== index) return undefined;
  work.seed = undefined;
  return seed;
}

/** Drops a seed the job did not use (another job built its step meanwhile, or it failed). */
export async function releaseSeed(
  ctx: PrepareContext,
  server: DbmsServer,
  work: RecordedWork,
): Promise<void> {
  const seed = work.seed;
  if (!seed) return;
  work.seed = undefined;
  await server.drop(seed.db, true);
  await writeOrQueue(ctx.store, (w) => w.removePending(seed.opId));
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

/**
 * Clears the records of a job that ended early (their databases were never made or are gone),
 * after dropping a seed it did not use.
 */
export async function forgetWork(
  ctx: PrepareContext,
  server: DbmsServer,
  work: RecordedWork,
): Promise<void> {
  // A seed that cannot be dropped now keeps its drop record: reconciliation drops it.
  await releaseSeed(ctx, server, work).catch(() => undefined);
  await writeOrQueue(ctx.store, (w) => {
    for (const opId of [...work.builds.values(), work.instance.opId]) w.removePending(opId);
    unrecordInstance(w, work.instance.plan, ctx.store);
  });
  // Durable now whatever became of the job: the next prepare of the state may use it.
  ctx.reservations?.hold(work.next);
}

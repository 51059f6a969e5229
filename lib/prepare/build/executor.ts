import type { DbmsServer } from '../../dbms/types.js';
import { jobCancelled, sqlrsError } from '../../errors.js';
import type { AcceptedRequest } from '../accept/requests.js';
import type { PrepareContext } from '../context.js';
import { createInstance } from '../hand-out/instance.js';
import { hitKind, someGone } from '../hand-out/trusted-hit.js';
import type { Job } from '../jobs/job.js';
import {
  forgetCached,
  forgetWork,
  type RecordedWork,
  recordWork,
  releaseSeed,
  takeSeed,
} from '../records/recorded-work.js';
import { buildState } from './build.js';
import { chainStates, markCached, type PlannedStep, planTasks } from './planner.js';

/** What a validated, hashed prepare request carries into its job. */
export interface JobSpec extends AcceptedRequest {
  name?: string;
  ttlSeconds?: number;
}

/**
 * Runs a job to its end (docs/prepare.md): plan (resolving the image when needed), then each step
 * from cache or built, then a private instance. Throws on failure; the manager records it.
 * `checked`: the job runs again because a state the catalog had was gone from the server.
 */
export async function executeJob(
  ctx: PrepareContext,
  job: Job,
  spec: JobSpec,
  checked = false,
): Promise<void> {
  const server = ctx.servers(spec.target);
  const imageId = spec.target.imageId;
  job.setStatus('running');
  job.setPlan([{ task_id: 'plan', type: 'plan', planner_kind: job.kind }]);
  job.setTask('plan', 'running');
  const known = ctx.resolved.get(imageId);
  const resolved = known ?? (await resolveImage(ctx, job, imageId, server.resolve.bind(server)));
  const planned = chainStates(ctx, resolved, spec.taskHashes);
  const hit = job.planOnly ? undefined : hitKind(ctx, planned);
  const warm = hit === 'warm';
  const trusted = !checked && hit !== undefined;
  // Unless a warm copy will do, whatever the job may create is recorded pending while the
  // server is asked which states exist: the flush and the round trip overlap.
  const recording =
    job.planOnly || warm
      ? undefined
      : recordWork(ctx, job, server, planned, {
          name: spec.name,
          ttlSeconds: spec.ttlSeconds,
          trusted,
        });
  // Awaited below, after the server's answer: a write that fails first (a catalog that cannot
  // be saved) must not be an unhandled rejection meanwhile, which ends the process.
  recording?.catch(() => undefined);
  try {
    const existing = trusted
      ? new Set(planned.map((p) => p.stateDb))
      : await server.existing(planned.map((p) => p.stateDb));
    const work = await recording;
    markCached(ctx, planned, existing);
    job.setPlan(
      planTasks(
        job.kind,
        imageId,
        { id: resolved, needed: known === undefined },
        planned,
        job.planOnly,
      ),
    );
    job.setTask('plan', 'succeeded');
    if (job.planOnly) return job.succeed();
    if (work) forgetCached(ctx, work, planned);
    const building = !planned.every((p) => p.cached);
    // A trusted hit records no builds: a state that left the catalog since the hit was judged
    // (a deletion in between) sends the job round again, checked (below).
    if (building && trusted) throw sqlrsError('conflict', 'a state was removed while planning');
    if (building) {
      // A reserved instance let the job go on before its records were durable (recordWork):
      // nothing is built before they are.
      await work?.durable();
      await buildAll(ctx, job, spec, server, resolved, planned, work as RecordedWork);
      // While the job still runs, so its own states are held by it (docs/lifecycle.md).
      ctx.afterBuild?.(imageId);
    }
    if (work) await releaseSeed(ctx, server, work);
    await finish(ctx, job, spec, server, planned, work);
    // The base or state this job built on was asked for again: keep copies of it ready
    // (made after the result is out, like the instance's).
    const parent = work?.parent;
    if (building && parent) setImmediate(() => ctx.warmPool?.used(parent, server));
  } catch (err) {
    // Records of databases never made (or dropped on the way out); reconciliation would too.
    if (recording) await recording.then((w) => forgetWork(ctx, server, w)).catch(() => undefined);
    if (trusted && !job.abort.signal.aborted && (await someGone(ctx, server, planned))) {
      ctx.logger.info('job_replanned', { job_id: job.id, reason: 'state gone' });
      return executeJob(ctx, job, spec, true);
    }
    throw err;
  }
}

async function buildAll(
  ctx: PrepareContext,
  job: Job,
  spec: JobSpec,
  server: DbmsServer,
  resolved: string,
  planned: PlannedStep[],
  work: RecordedWork,
): Promise<void> {
  const imageId = spec.target.imageId;
  let parent: PlannedStep | undefined;
  let flush: (() => Promise<void>) | undefined;
  const last = planned.at(-1);
  for (const p of planned) {
    if (job.abort.signal.aborted) throw jobCancelled();
    if (p.cached) {
      job.setTask(p.taskId, 'succeeded', { cached: true });
    } else {
      job.setTask(p.taskId, 'running');
      const built = await buildState(ctx, job, {
        server,
        imageId,
        resolvedImageId: resolved,
        planned: p,
        parentDb: parent?.stateDb ?? null,
        parentStateId: parent?.stateId ?? null,
        run: (buildDb) => spec.runStep(job, p.index, p.taskId, buildDb, server),
        argsNormalized: spec.stepArgs[p.index] as string,
        opId: work.builds.get(p.index) as string,
        takeSeed: () => takeSeed(work, p.index),
        deferFlush:
          p === last
            ? (f) => {
                flush = f;
              }
            : undefined,
      });
      if (built) job.setTask(p.taskId, 'succeeded');
      else
        job.setTask(
          p.taskId,
          'succeeded',
          { cached: true },
          'reused the state another job built meanwhile',
        );
    }
    parent = p;
  }
  // The last state's flush joins the instance's: made while its copy runs (build.ts).
  if (flush) work.durable = joinFlush(work.durable, flush);
}

/** The instance's durability, and then the last state's flush: both before the result. */
function joinFlush(durable: () => Promise<void>, flush: () => Promise<void>) {
  let joined: Promise<void> | undefined;
  return () => {
    joined ??= durable().then(flush);
    return joined;
  };
}

/** The private instance of the last state, and the job's result. */
async function finish(
  ctx: PrepareContext,
  job: Job,
  spec: JobSpec,
  server: DbmsServer,
  planned: PlannedStep[],
  work?: RecordedWork,
) {
  const last = planned.at(-1) as PlannedStep;
  // A cancel during the plan or a hit's check ends the job here, before anything is made.
  if (job.abort.signal.aborted) throw jobCancelled();
  job.setTask('prepare-instance', 'running');
  // A delete of the state that is under way has not seen this instance: wait it out.
  await ctx.deletions.settled(last.stateId);
  const state = ctx.store.getState(last.stateId);
  if (!state) throw sqlrsError('conflict', `state ${last.stateId} was removed while the job ran`);
  // Only a state asked for again earns warm copies: one-off states (each edit of a script
  // makes a new one) would cost two clones each for nothing.
  const instance = await createInstance(ctx, server, state, {
    jobId: job.id,
    name: spec.name,
    ttlSeconds: spec.ttlSeconds,
    reused: last.cached,
    recorded: work && { ...work.instance, durable: work.durable },
    signal: job.abort.signal,
  });
  job.setTask('prepare-instance', 'succeeded');
  job.succeed({
    dsn: instance.dsn,
    instance_id: instance.instanceId,
    state_id: state.state_id,
    image_id: spec.target.imageId,
    prepare_kind: job.kind,
    prepare_args_normalized: job.argsNormalized,
  });
}

async function resolveImage(
  ctx: PrepareContext,
  job: Job,
  imageId: string,
  resolve: (imageId: string) => Promise<string>,
): Promise<string> {
  job.setPlan([
    { task_id: 'plan', type: 'plan', planner_kind: job.kind },
    { task_id: 'resolve-image', type: 'resolve_image', image_id: imageId },
  ]);
  job.setTask('resolve-image', 'running');
  const resolved = await resolve(imageId);
  ctx.resolved.set(imageId, resolved);
  job.setTask('resolve-image', 'succeeded', { resolved_image_id: resolved });
  return resolved;
}

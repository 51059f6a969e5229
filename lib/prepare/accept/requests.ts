import { type ImageTarget, imageTarget } from '../../config.js';
import type { DbmsServer } from '../../dbms/types.js';
import { invalidArgument } from '../../errors.js';
import type { PrepareRequest } from '../../schema-types.js';
import type { PrepareContext } from '../context.js';
import type { Job } from '../jobs/job.js';
import { KINDS } from '../kinds/index.js';
import type { PrepareKind, PrepareKindName } from '../kinds/kind.js';
import { warmBaseForLargeScripts } from './warm-base.js';

export type StepRunner = (
  job: Job,
  index: number,
  taskId: string,
  buildDb: string,
  server: DbmsServer,
) => Promise<void>;

/** A request that passed every check and whose steps are hashed: what a job is made from. */
export interface AcceptedRequest {
  kind: PrepareKindName;
  target: ImageTarget;
  /** The normalized argument list (`prepare_args_normalized` is it joined by spaces). */
  args: string[];
  taskHashes: string[];
  /** Each step's own normalized arguments, recorded on the state it builds. */
  stepArgs: string[];
  runStep: StepRunner;
}

/**
 * Validates a prepare request and hashes its steps in the worker pool. Every argument, include
 * and script rule (docs/prepare.md, docs/mysql.md) fails here, as a 400 naming what was wrong.
 * What differs by kind is asked of the kind (lib/prepare/kinds).
 */
export async function acceptRequest(
  ctx: PrepareContext,
  req: PrepareRequest,
  clientGone?: AbortSignal,
): Promise<AcceptedRequest> {
  for (const k of Object.values(KINDS)) rejectNulBytes(req[k.argsField], k.argsField);
  const kind = KINDS[req.prepare_kind];
  const target = imageTarget(ctx.config, req.image_id ?? defaultImageFor(ctx, kind));
  if (target.kind !== kind.dbms) {
    throw invalidArgument(
      `image ${target.imageId} is a ${target.kind} server; prepare_kind ${kind.name} needs ${kind.dbms}`,
    );
  }
  const steps = await kind.accept(ctx, argsFor(req, kind), req.stdin);
  // A large script is most often a dump to build: its build database is copied meanwhile.
  if (!req.plan_only) warmBaseForLargeScripts(ctx, target, steps.scriptBytes ?? 0);
  const hashes = await kind.hash(ctx, steps, clientGone);
  return {
    kind: kind.name,
    target,
    args: steps.args,
    taskHashes: hashes.taskHashes,
    stepArgs: steps.stepArgs,
    runStep: (job, index, taskId, buildDb, server) =>
      kind.runStep(ctx, steps, hashes, { job, index, taskId, buildDb, server }),
  };
}

/**
 * A NUL byte cannot reach psql as an argument nor name a file (the OS ends the string there),
 * so it is refused here rather than failing the spawn or the read inside a job.
 */
function rejectNulBytes(args: string[] | undefined, field: string): void {
  const at = args?.findIndex((a) => a.includes('\0')) ?? -1;
  if (at >= 0)
    throw invalidArgument(
      `${field}[${at}] contains a NUL byte, which no argument or path can carry`,
    );
}

/** The kind's own arguments; another kind's field is refused, naming the kind it is for. */
function argsFor(req: PrepareRequest, kind: PrepareKind): string[] {
  for (const other of Object.values(KINDS)) {
    if (other !== kind && req[other.argsField] !== undefined)
      throw invalidArgument(`${other.argsField} is for prepare_kind "${other.name}"`);
  }
  const args = req[kind.argsField];
  if (args === undefined) throw invalidArgument(`missing field body.${kind.argsField}`);
  return args;
}

/**
 * Without image_id: the default image when it is of the kind's server, else the first
 * configured image of that server, else the local one (`postgres` or `mariadb`).
 */
function defaultImageFor(ctx: PrepareContext, kind: PrepareKind): string {
  const { config } = ctx;
  const isKind = (id: string | undefined) =>
    id !== undefined && imageTarget(config, id).kind === kind.dbms;
  if (isKind(config.default_image)) return config.default_image as string;
  const configured = Object.keys(config.images ?? {}).find((id) => isKind(id));
  return configured ?? kind.localImage;
}

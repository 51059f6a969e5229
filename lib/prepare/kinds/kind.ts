import type { DbmsKind } from '../../config.js';
import type { DbmsServer } from '../../dbms/types.js';
import type { PrepareRequest } from '../../schema-types.js';
import type { PrepareContext } from '../context.js';
import type { Job } from '../jobs/job.js';

/** The kinds a request may name in `prepare_kind` (schemas/common.json). */
export type PrepareKindName = PrepareRequest['prepare_kind'];

/** The request field that carries a kind's arguments: `psql_args`, `mysql_args`. */
export type ArgsField = Extract<keyof PrepareRequest, `${string}_args`>;

/** A request's steps as its kind accepted them. */
export interface AcceptedSteps {
  /** The normalized argument list (`prepare_args_normalized` is it joined by spaces). */
  args: string[];
  /** Each step's own normalized arguments, recorded on the state it builds. */
  stepArgs: string[];
  /** Bytes of the scripts the arguments name (not their includes); absent: not known. */
  scriptBytes?: number;
}

/** The steps' hashes, in step order: each names the state its step builds (docs/prepare.md). */
export interface HashedSteps {
  taskHashes: string[];
}

/** One step of a job, to run in its build database. */
export interface StepAt {
  job: Job;
  index: number;
  taskId: string;
  buildDb: string;
  server: DbmsServer;
}

/**
 * What one prepare kind (a tool's arguments and scripts: psql, mysql) brings; the shared
 * accept and build code asks it through `KINDS` (./index.ts) and forks nowhere else. `S` and
 * `H` are the kind's own accepted and hashed steps: the shared code hands a kind back only
 * what that same kind returned.
 */
export interface PrepareKind<
  S extends AcceptedSteps = AcceptedSteps,
  H extends HashedSteps = HashedSteps,
> {
  readonly name: PrepareKindName;
  /** The server kind its steps run on: an image of another kind is refused. */
  readonly dbms: DbmsKind;
  /** The image id of the local server of that kind, used when none is configured. */
  readonly localImage: string;
  /** Where the request carries its arguments; the other kinds' fields are refused. */
  readonly argsField: ArgsField;
  /**
   * Validates and normalizes the arguments into steps, and refuses what this engine's trust
   * settings forbid (docs/prepare.md, "Host files and restricted mode"), as invalid_argument.
   */
  accept(ctx: PrepareContext, args: string[], stdin: string | undefined): Promise<S>;
  /** Hashes the steps in the worker pool, within the hashing limits (docs/prepare.md, "Limits"). */
  hash(ctx: PrepareContext, steps: S, clientGone?: AbortSignal): Promise<H>;
  /** Runs one step's script in the build database; throws the step's failure as a coded error. */
  runStep(ctx: PrepareContext, steps: S, hashes: H, at: StepAt): Promise<void>;
}

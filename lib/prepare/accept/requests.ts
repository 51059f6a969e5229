import { dirname } from 'node:path';
import { type ImageTarget, imageTarget } from '../../config.js';
import type { DbmsServer } from '../../dbms/types.js';
import { fromErrorBody, invalidArgument } from '../../errors.js';
import { normalizeMysqlArgs } from '../../mysql/args.js';
import { normalizePsqlArgs, type PsqlStep } from '../../psql/argv/args.js';
import { requireRestrict } from '../../psql/restrict/restrict-support.js';
import type { PrepareRequest } from '../../schema-types.js';
import type { PrepareContext } from '../context.js';
import type { Job } from '../jobs/job.js';
import { runMysqlStep } from '../kinds/mysql/step.js';
import { psqlArgs, psqlEnv, runPsqlStep } from '../kinds/psql/step.js';
import { hashWithLimits } from './hash-limits.js';

export type StepRunner = (
  job: Job,
  index: number,
  taskId: string,
  buildDb: string,
  server: DbmsServer,
) => Promise<void>;

/** A request that passed every check and whose steps are hashed: what a job is made from. */
export interface AcceptedRequest {
  kind: 'psql' | 'mysql';
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
 * and script rule of docs/prepare.md and docs/mysql.md fails here, as a 400 naming what was wrong.
 */
export async function acceptRequest(
  ctx: PrepareContext,
  req: PrepareRequest,
  clientGone?: AbortSignal,
): Promise<AcceptedRequest> {
  rejectNulBytes(req.psql_args, 'psql_args');
  rejectNulBytes(req.mysql_args, 'mysql_args');
  const wanted = req.prepare_kind === 'psql' ? 'postgres' : 'mysql';
  const target = imageTarget(ctx.config, req.image_id ?? defaultImageFor(ctx, wanted));
  if (target.kind !== wanted) {
    throw invalidArgument(
      `image ${target.imageId} is a ${target.kind} server; prepare_kind ${req.prepare_kind} needs ${wanted}`,
    );
  }
  return req.prepare_kind === 'psql'
    ? acceptPsql(ctx, req, target, clientGone)
    : acceptMysql(ctx, req, target, clientGone);
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

/**
 * Without image_id: the default image when it is of the right kind, else the first configured
 * image of that kind, else the local server (`postgres` or `mariadb`).
 */
function defaultImageFor(ctx: PrepareContext, kind: 'postgres' | 'mysql'): string {
  const { config } = ctx;
  const isKind = (id: string | undefined) =>
    id !== undefined && imageTarget(config, id).kind === kind;
  if (isKind(config.default_image)) return config.default_image as string;
  const configured = Object.keys(config.images ?? {}).find((id) => isKind(id));
  return configured ?? (kind === 'postgres' ? 'postgres' : 'mariadb');
}

async function acceptPsql(
  ctx: PrepareContext,
  req: PrepareRequest,
  target: ImageTarget,
  clientGone?: AbortSignal,
): Promise<AcceptedRequest> {
  if (req.mysql_args !== undefined) throw invalidArgument('mysql_args is for prepare_kind "mysql"');
  if (req.psql_args === undefined) throw invalidArgument('missing field body.psql_args');
  const n = normalizePsqlArgs(req.psql_args, req.stdin);
  if (!ctx.trust.hostFiles)
    refuseFileSteps(
      n.steps.map((s) => s.source),
      '-f ',
    );
  if (ctx.trust.psqlRestrict) await requireRestrict(ctx.psqlPath, ctx.psqlVersions ?? new Map());
  const cwd = n.firstFile ? dirname(n.firstFile) : ctx.runDir;
  const input = { steps: n.steps, stdin: req.stdin, cwd, hostFiles: ctx.trust.hostFiles };
  const hashed = await hashWithLimits(ctx, 'hashPsqlSteps', input, clientGone);
  if (!hashed.ok) throw fromErrorBody(hashed.error);
  return {
    kind: 'psql',
    target,
    args: n.args,
    taskHashes: hashed.steps.map((h: { task_hash: string }) => h.task_hash),
    stepArgs: n.steps.map((s) => psqlArgs(s).join(' ')),
    runStep: (job, index, taskId, buildDb, server) =>
      runPsqlStep(
        ctx,
        job,
        taskId,
        {
          step: n.steps[index] as PsqlStep,
          files: filesRead(hashed, index),
          digests: digestsRead(hashed, index),
          stdin: req.stdin,
          cwd,
          buildDb,
          env: psqlEnv(server.toolEnv(buildDb)),
        },
        () => server.cancelQueries(buildDb),
      ),
  };
}

async function acceptMysql(
  ctx: PrepareContext,
  req: PrepareRequest,
  target: ImageTarget,
  clientGone?: AbortSignal,
): Promise<AcceptedRequest> {
  if (req.psql_args !== undefined) throw invalidArgument('psql_args is for prepare_kind "psql"');
  if (req.mysql_args === undefined) throw invalidArgument('missing field body.mysql_args');
  const n = normalizeMysqlArgs(req.mysql_args, req.stdin);
  if (!ctx.trust.hostFiles)
    refuseFileSteps(
      n.steps.map((s) => s.source),
      '',
    );
  const first = n.steps.find((s) => s.source.kind === 'file');
  const cwd = first?.source.kind === 'file' ? dirname(first.source.path) : ctx.runDir;
  const input = { steps: n.steps, stdin: req.stdin, cwd, hostFiles: ctx.trust.hostFiles };
  const hashed = await hashWithLimits(ctx, 'hashMysqlSteps', input, clientGone);
  if (!hashed.ok) throw fromErrorBody(hashed.error);
  const statements = hashed.steps.map((h: { statements: string[] }) => h.statements);
  const fromHost = hashed.steps.map((h: { fromHost: boolean[] }) => h.fromHost);
  return {
    kind: 'mysql',
    target,
    args: n.args,
    taskHashes: hashed.steps.map((h: { task_hash: string }) => h.task_hash),
    stepArgs: n.steps.map((s) =>
      s.source.kind === 'execute'
        ? `-e ${s.source.sql}`
        : s.source.kind === 'file'
          ? s.source.path
          : '-',
    ),
    runStep: (job, index, taskId, buildDb, server) =>
      runMysqlStep(ctx, job, taskId, {
        index,
        statements: statements[index] as string[],
        fromHost: fromHost[index] as boolean[],
        // The build's own account under build_role restricted, else the server URL's.
        url: server.dsn(buildDb),
        buildDb,
        server,
      }),
  };
}

/**
 * With host files off (docs/prepare.md), steps come only from the request: a step that names
 * a file on the engine host is refused, naming it.
 */
function refuseFileSteps(sources: Array<{ kind: string; path?: string }>, flag: string): void {
  const file = sources.find((s) => s.kind === 'file');
  if (file)
    throw invalidArgument(
      `${flag}${file.path}: steps may not read files on the engine host here (host_files is off): send the script as stdin (${flag === '' ? '-' : '-f -'}) or as ${flag === '' ? '-e' : '-c'}`,
      `argument: ${flag}${file.path}`,
    );
}

/** The files a step's hash read, with their identities as they were read. */
function filesRead(
  hashed: { steps: { files: string[] }[]; seen: Record<string, string> },
  index: number,
): Record<string, string> {
  const files: Record<string, string> = {};
  for (const path of hashed.steps[index]?.files ?? []) files[path] = hashed.seen[path] as string;
  return files;
}

/** The SHA-256 of the bytes a step's hash read, by file. */
function digestsRead(
  hashed: { steps: { files: string[] }[]; digests?: Record<string, string> },
  index: number,
): Record<string, string> {
  const digests: Record<string, string> = {};
  for (const path of hashed.steps[index]?.files ?? []) {
    const digest = hashed.digests?.[path];
    if (digest !== undefined) digests[path] = digest;
  }
  return digests;
}

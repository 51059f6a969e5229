import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fromErrorBody } from '../../../errors.js';
import { normalizePsqlArgs, type PsqlStep } from '../../../psql/argv/args.js';
import { requireRestrict } from '../../../psql/restrict/restrict-support.js';
import type { TaskSuccess } from '../../../tasks.js';
import { hashWithLimits } from '../../accept/hash-limits.js';
import type { AcceptedSteps, HashedSteps, PrepareKind } from '../kind.js';
import { refuseFileSteps } from '../refuse-file-steps.js';
import { psqlArgs, psqlEnv, runPsqlStep } from './step.js';

interface PsqlSteps extends AcceptedSteps {
  steps: PsqlStep[];
  stdin?: string;
  /** Where every step runs: the first -f file's directory (docs/prepare.md). */
  cwd: string;
}

interface PsqlHashes extends HashedSteps {
  hashed: TaskSuccess<'hashPsqlSteps'>;
}

/** psql scripts on PostgreSQL, run by the psql client (docs/prepare.md, "psql arguments"). */
export const psqlKind: PrepareKind<PsqlSteps, PsqlHashes> = {
  name: 'psql',
  dbms: 'postgres',
  localImage: 'postgres',
  argsField: 'psql_args',

  async accept(ctx, args, stdin) {
    const n = normalizePsqlArgs(args, stdin);
    if (!ctx.trust.hostFiles)
      refuseFileSteps(
        n.steps.map((s) => s.source),
        { file: '-f ', stdin: '-f -', inline: '-c' },
      );
    if (ctx.trust.psqlRestrict) await requireRestrict(ctx.psqlPath, ctx.psqlVersions ?? new Map());
    return {
      args: n.args,
      stepArgs: n.steps.map((s) => psqlArgs(s).join(' ')),
      steps: n.steps,
      stdin,
      cwd: n.firstFile ? dirname(n.firstFile) : ctx.runDir,
      scriptBytes: await scriptBytes(n.steps, stdin),
    };
  },

  async hash(ctx, s, clientGone) {
    const input = { steps: s.steps, stdin: s.stdin, cwd: s.cwd, hostFiles: ctx.trust.hostFiles };
    const hashed = await hashWithLimits(ctx, 'hashPsqlSteps', input, clientGone);
    if (!hashed.ok) throw fromErrorBody(hashed.error);
    return { taskHashes: hashed.steps.map((h) => h.task_hash), hashed };
  },

  runStep(ctx, s, { hashed }, { job, index, taskId, buildDb, server }) {
    return runPsqlStep(
      ctx,
      job,
      taskId,
      {
        step: s.steps[index] as PsqlStep,
        files: filesRead(hashed, index),
        digests: digestsRead(hashed, index),
        stdin: s.stdin,
        cwd: s.cwd,
        buildDb,
        env: psqlEnv(server.toolEnv(buildDb)),
      },
      () => server.cancelQueries(buildDb),
    );
  },
};

/** The files a step's hash read, with their identities as they were read. */
function filesRead(hashed: TaskSuccess<'hashPsqlSteps'>, index: number): Record<string, string> {
  const files: Record<string, string> = {};
  for (const path of hashed.steps[index]?.files ?? []) files[path] = hashed.seen[path] as string;
  return files;
}

/** The SHA-256 of the bytes a step's hash read, by file. */
function digestsRead(hashed: TaskSuccess<'hashPsqlSteps'>, index: number): Record<string, string> {
  const digests: Record<string, string> = {};
  for (const path of hashed.steps[index]?.files ?? []) {
    const digest = hashed.digests[path];
    if (digest !== undefined) digests[path] = digest;
  }
  return digests;
}

/**
 * Bytes of the steps' scripts as named (a file's size, stdin's, a command's), for the warm
 * pool's guess that a request is a dump to build (lib/prepare/accept/warm-base.ts). A file that
 * cannot be read counts 0: the hash reports it. Asked of the file system off the main thread.
 */
async function scriptBytes(steps: PsqlStep[], stdin: string | undefined): Promise<number> {
  const sizes = steps.map(({ source }) => {
    if (source.kind === 'file')
      return stat(source.path).then(
        (s) => s.size,
        () => 0,
      );
    return source.kind === 'command' ? source.sql.length : (stdin?.length ?? 0);
  });
  return (await Promise.all(sizes)).reduce((a, b) => a + b, 0);
}

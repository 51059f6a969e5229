import { dirname } from 'node:path';
import { fromErrorBody } from '../../../errors.js';
import { type MysqlStep, normalizeMysqlArgs } from '../../../mysql/args.js';
import type { TaskSuccess } from '../../../tasks.js';
import { hashWithLimits } from '../../accept/hash-limits.js';
import type { AcceptedSteps, HashedSteps, PrepareKind } from '../kind.js';
import { refuseFileSteps } from '../refuse-file-steps.js';
import { runMysqlStep } from './step.js';

interface MysqlSteps extends AcceptedSteps {
  steps: MysqlStep[];
  stdin?: string;
  /** Where relative `source` paths start: the first file step's directory. */
  cwd: string;
}

interface MysqlHashes extends HashedSteps {
  /** Per step, its statements as the hashing split them, and which came from host files. */
  steps: TaskSuccess<'hashMysqlSteps'>['steps'];
}

/** SQL scripts on MySQL or MariaDB, run statement by statement by the engine (docs/mysql.md). */
export const mysqlKind: PrepareKind<MysqlSteps, MysqlHashes> = {
  name: 'mysql',
  dbms: 'mysql',
  localImage: 'mariadb',
  argsField: 'mysql_args',

  async accept(ctx, args, stdin) {
    const n = normalizeMysqlArgs(args, stdin);
    if (!ctx.trust.hostFiles)
      refuseFileSteps(
        n.steps.map((s) => s.source),
        { file: '', stdin: '-', inline: '-e' },
      );
    const first = n.steps.find((s) => s.source.kind === 'file');
    return {
      args: n.args,
      stepArgs: n.steps.map((s) =>
        s.source.kind === 'execute'
          ? `-e ${s.source.sql}`
          : s.source.kind === 'file'
            ? s.source.path
            : '-',
      ),
      steps: n.steps,
      stdin,
      cwd: first?.source.kind === 'file' ? dirname(first.source.path) : ctx.runDir,
    };
  },

  async hash(ctx, s, clientGone) {
    const input = { steps: s.steps, stdin: s.stdin, cwd: s.cwd, hostFiles: ctx.trust.hostFiles };
    const hashed = await hashWithLimits(ctx, 'hashMysqlSteps', input, clientGone);
    if (!hashed.ok) throw fromErrorBody(hashed.error);
    return { taskHashes: hashed.steps.map((h) => h.task_hash), steps: hashed.steps };
  },

  runStep(ctx, _s, hashes, { job, index, taskId, buildDb, server }) {
    const step = hashes.steps[index];
    return runMysqlStep(ctx, job, taskId, {
      index,
      statements: step?.statements as string[],
      fromHost: step?.fromHost as boolean[],
      where: step?.where as string[],
      // The build's own account under build_role restricted, else the server URL's.
      url: server.dsn(buildDb),
      buildDb,
      server,
    });
  },
};

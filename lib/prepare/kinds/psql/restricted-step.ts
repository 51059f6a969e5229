import { randomBytes } from 'node:crypto';
import { fromErrorBody } from '../../../errors.js';
import type { PsqlStep } from '../../../psql/argv/args.js';
import { type Inlined, nameStdinLines } from '../../../psql/restrict/inline.js';
import type { PrepareContext } from '../../context.js';

/** One run of psql: its arguments, its standard input, and how its stderr lines are named. */
export interface PsqlInvocation {
  args: string[];
  stdin?: string | Uint8Array;
  /** psql's `<stdin>:N` named as the file and line the script's line N came from. */
  nameLine: (line: string) => string;
  /** The step reads files on the engine host: its output may not quote them. */
  hostContent: boolean;
  /** The `\restrict` key, which psql echoes with `-a`: events show it as `<key>`. */
  key?: string;
}

/**
 * A step under psql's own `\restrict` (docs/prepare.md, restricted mode): a fresh random key
 * per step, given first, so every backslash command of the script is refused by psql itself;
 * the engine has put the includes in place (lib/psql/restrict/inline.ts) and psql reads that text on
 * its standard input. A `-c` step that had nothing to put in place stays a `-c` (one query
 * string, as psql runs `-c`), and keeps the request's stdin for its COPY ... FROM STDIN.
 * `signal` (the step's cancel and step_timeout) ends the inlining's worker thread.
 */
export async function restrictedInvocation(
  ctx: PrepareContext,
  step: PsqlStep,
  run: { stdin?: string; cwd: string; hostFiles: boolean },
  signal?: AbortSignal,
): Promise<PsqlInvocation> {
  const input = { step, stdin: run.stdin, cwd: run.cwd, hostFiles: run.hostFiles };
  const res = await ctx.pool.run('inlinePsqlStep', input, undefined, signal);
  if (!res.ok) throw fromErrorBody(res.error);
  const inlined: Inlined = res;
  const bytes = Buffer.from(inlined.bytes.buffer, inlined.bytes.byteOffset, inlined.bytes.length);
  const key = randomBytes(16).toString('hex');
  const restrict = ['-c', `\\restrict ${key}`];
  const s = step.source;
  if (s.kind === 'command' && bytes.equals(Buffer.from(s.sql, 'utf8'))) {
    return {
      args: [...step.flags, ...restrict, '-c', s.sql],
      stdin: run.stdin,
      nameLine: (line) => line,
      hostContent: false,
      key,
    };
  }
  return {
    args: [...step.flags, ...restrict, '-f', '-'],
    stdin: bytes,
    nameLine: (line) => nameStdinLines(line, inlined.segments),
    hostContent: false,
    key,
  };
}

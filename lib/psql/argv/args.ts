import { isAbsolute } from 'node:path';
import { invalidArgument } from '../../errors.js';
import { checkStdinSteps } from '../../steps.js';
import { describeFlag, type ParsedFlag, parsePsqlFlags } from './flags.js';

/** One unit of work: a `-c` command, a `-f` file, or `-f -` (the request's stdin). */
export type StepSource =
  | { kind: 'command'; sql: string }
  | { kind: 'file'; path: string }
  | { kind: 'stdin' };

export interface PsqlStep {
  index: number;
  source: StepSource;
  /** Normalized flags that apply to this step (those before it), without the step flag itself. */
  flags: string[];
}

export interface NormalizedPsql {
  /** The full normalized argument list (docs/prepare.md), enforced flags first. */
  args: string[];
  steps: PsqlStep[];
  /** Working directory for every step: the directory of the first -f file (docs/prepare.md). */
  firstFile?: string;
}

const ENFORCED = ['-X', '-v', 'ON_ERROR_STOP=1'];

/**
 * The most bytes of arguments one psql step gets. Linux caps argv and the environment together
 * (ARG_MAX, a quarter of the stack limit, often 2 MiB); half of the usual cap leaves room for
 * the environment and keeps a request from failing at spawn instead of here.
 */
export const MAX_STEP_ARGV_BYTES = 1024 * 1024;

/**
 * Normalizes psql arguments and splits them into steps. Every rejection (docs/prepare.md) is an
 * invalid_argument naming the argument. Files are checked for readability by the hasher.
 */
export function normalizePsqlArgs(raw: string[], stdin: string | undefined): NormalizedPsql {
  const flags = parsePsqlFlags(raw);
  const shared: string[] = [...ENFORCED];
  const args: string[] = [...ENFORCED];
  const steps: PsqlStep[] = [];
  let stdinSteps = 0;
  let firstFile: string | undefined;
  for (const flag of flags) {
    const source = stepSource(flag);
    if (!source) {
      if (!isEnforcedDuplicate(flag)) {
        shared.push(...flag.tokens);
        args.push(...flag.tokens);
      }
      continue;
    }
    if (source.kind === 'stdin') stdinSteps++;
    if (source.kind === 'file') firstFile ??= source.path;
    steps.push({ index: steps.length, source, flags: [...shared] });
    args.push(...flag.tokens);
  }
  checkSteps(flags, steps, stdinSteps, stdin);
  for (const step of steps) checkArgvSize(step);
  return { args, steps, firstFile };
}

function stepSource(flag: ParsedFlag): StepSource | undefined {
  if (flag.name === '-c') return { kind: 'command', sql: flag.value as string };
  if (flag.name !== '-f') return undefined;
  const path = flag.value as string;
  if (path === '-') return { kind: 'stdin' };
  if (!isAbsolute(path)) {
    const named = describeFlag(flag);
    throw invalidArgument(`${named}: file paths must be absolute`, `argument: ${named}`);
  }
  return { kind: 'file', path };
}

/** `-X` and `-v ON_ERROR_STOP=1` given by the user are already in the enforced prefix. */
function isEnforcedDuplicate(flag: ParsedFlag): boolean {
  if (flag.name === '-X') return true;
  return flag.name === '-v' && /^ON_ERROR_STOP=/.test(flag.value ?? '');
}

function checkSteps(flags: ParsedFlag[], steps: PsqlStep[], stdinSteps: number, stdin?: string) {
  if (steps.length === 0) throw invalidArgument('psql_args: no step: give at least one -c or -f');
  checkStdinSteps(stdinSteps, stdin, '-f -');
  const last = flags.findLastIndex((f) => f.name === '-c' || f.name === '-f');
  const trailing = flags.slice(last + 1);
  if (trailing.length > 0) {
    const arg = trailing[0]?.tokens.join(' ');
    throw invalidArgument(
      `${arg}: flags after the last step apply to no step; put them before the -c/-f they are for`,
    );
  }
}

/** A step runs as psql with its flags and itself as argv (lib/prepare/kinds/psql/step.ts). */
function checkArgvSize(step: PsqlStep) {
  const s = step.source;
  const own = s.kind === 'command' ? s.sql : s.kind === 'file' ? s.path : '-';
  const args = [...step.flags, '-c', own];
  const bytes = args.reduce((sum, a) => sum + Buffer.byteLength(a, 'utf8') + 1, 0);
  if (bytes <= MAX_STEP_ARGV_BYTES) return;
  throw invalidArgument(
    `psql_args: step ${step.index + 1} would start psql with ${bytes} bytes of arguments, more than ${MAX_STEP_ARGV_BYTES}; send long SQL as stdin with -f - and keep -v values short`,
  );
}

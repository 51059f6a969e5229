import { isAbsolute } from 'node:path';
import { invalidArgument } from '../errors.js';
import { checkStdinSteps } from '../steps.js';
import { type ParsedFlag, parsePsqlFlags } from './flags.js';

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
  /** The full normalized argument list (SPEC §5.1), enforced flags first. */
  args: string[];
  steps: PsqlStep[];
  /** Working directory for every step: the directory of the first -f file (SPEC §5.2). */
  firstFile?: string;
}

const ENFORCED = ['-X', '-v', 'ON_ERROR_STOP=1'];

/**
 * Normalizes psql arguments and splits them into steps. Every rejection of SPEC §5.1 is an
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
  return { args, steps, firstFile };
}

function stepSource(flag: ParsedFlag): StepSource | undefined {
  if (flag.name === '-c') return { kind: 'command', sql: flag.value as string };
  if (flag.name !== '-f') return undefined;
  const path = flag.value as string;
  if (path === '-') return { kind: 'stdin' };
  if (!isAbsolute(path)) {
    throw invalidArgument(`-f ${path}: file paths must be absolute`, `argument: -f ${path}`);
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

import { invalidArgument } from '../../errors.js';
import { lexesAsItself } from '../guard/index.js';
import { optionLabel, type PsqlOption, resolveLong, shortOption } from './options.js';

/** A psql flag in canonical form: its short name, value separate. */
export interface ParsedFlag {
  name: string;
  value?: string;
  /** The flag as it goes into the normalized argument list. */
  tokens: string[];
  /** The option as the request spelled it, without its value: `--comm`, `-c`. */
  spelled: string;
  /** The argument(s) as the request wrote them: `--comm=select 1`, `-f /a.sql`, `-qfx.sql`. */
  written: string;
}

/**
 * Linux refuses to start a program with one argument longer than MAX_ARG_STRLEN (32 pages:
 * 131072 bytes with the terminating NUL).
 */
export const MAX_ARG_BYTES = 131071;

/**
 * Reads psql arguments as psql's getopt_long reads them (lib/psql/argv/options.ts: unique prefixes
 * of long options, `--long=value` and `--long value`, clusters like `-qX`, attached values like
 * `-cSQL`) and lets through only the options on the allowlist (docs/prepare.md).
 */
export function parsePsqlFlags(raw: string[]): ParsedFlag[] {
  const out: ParsedFlag[] = [];
  for (let i = 0; i < raw.length; i++) {
    const arg = raw[i] as string;
    const next = () => {
      const value = raw[++i];
      if (value === undefined) throw invalidArgument(`${arg}: flag is missing its value`);
      return value;
    };
    if (arg === '--') throw invalidArgument('--: arguments after -- are not accepted');
    if (arg.startsWith('--')) out.push(checked(parseLong(arg, next)));
    else if (arg.startsWith('-') && arg.length > 1)
      out.push(...parseShortCluster(arg, next).map(checked));
    else throw invalidArgument(`${arg}: positional arguments are not accepted (use -c or -f)`);
  }
  return out;
}

function parseLong(arg: string, next: () => string): ParsedFlag {
  const eq = arg.indexOf('=');
  const given = arg.slice(2, eq < 0 ? undefined : eq);
  const reading = resolveLong(given);
  if (reading.kind === 'unknown') {
    // Not a psql option at all, but a name people reach for to pick the database.
    if (given === 'database') throw connectionRefused(arg, '--database, which psql does not know');
    throw invalidArgument(`${arg}: psql does not know --${given} (it would stop there)`);
  }
  if (reading.kind === 'ambiguous') {
    const names = reading.candidates.map((c) => `--${c}`).join(', ');
    throw invalidArgument(`${arg}: psql reads --${given} as ambiguous (${names}); write it out`);
  }
  const o = reading.option;
  refuseUnlisted(o, arg);
  const readAs = `--${reading.name}`;
  const spelled = `--${given}`;
  if (o.hasArg === 'none') {
    if (eq >= 0) throw invalidArgument(`${arg}: flag takes no value (psql reads it as ${readAs})`);
    return noValue(o, spelled, arg);
  }
  if (eq >= 0) return withValue(o, arg.slice(eq + 1), spelled, arg);
  const value = next();
  return withValue(o, value, spelled, `${arg} ${value}`);
}

function parseShortCluster(arg: string, next: () => string): ParsedFlag[] {
  const out: ParsedFlag[] = [];
  for (let j = 1; j < arg.length; j++) {
    const letter = arg[j] as string;
    const o = shortOption(letter);
    if (!o) throw invalidArgument(`${arg}: unknown psql flag -${letter}; psql does not know it`);
    refuseUnlisted(o, arg);
    if (o.hasArg === 'none') {
      out.push(noValue(o, `-${letter}`, arg));
      continue;
    }
    const attached = arg.slice(j + 1);
    if (attached !== '') out.push(withValue(o, attached, `-${letter}`, arg));
    else {
      const value = next();
      out.push(withValue(o, value, `-${letter}`, `${arg} ${value}`));
    }
    return out;
  }
  return out;
}

function noValue(o: PsqlOption, spelled: string, written: string): ParsedFlag {
  const name = `-${o.short}`;
  return { name, tokens: [name], spelled, written };
}

function withValue(o: PsqlOption, value: string, spelled: string, written: string): ParsedFlag {
  const name = `-${o.short}`;
  return { name, value, tokens: [name, value], spelled, written };
}

/** Connection options and every option off the allowlist stop here, named as written. */
function refuseUnlisted(o: PsqlOption, arg: string) {
  if (o.policy === 'connection') throw connectionRefused(arg, optionLabel(o));
  if (o.policy === 'refused') {
    throw invalidArgument(`${arg}: psql reads it as ${optionLabel(o)}, not accepted: ${o.why}`);
  }
}

function connectionRefused(arg: string, readAs: string) {
  return invalidArgument(
    `${arg}: connection flags are not accepted; the engine picks the server (psql reads it as ${readAs})`,
  );
}

/** The flag as written, and how psql reads it when that is spelled otherwise. */
export function describeFlag(f: ParsedFlag): string {
  const canonical = f.tokens.join(' ');
  return f.written === canonical ? canonical : `${f.written} (psql reads it as ${canonical})`;
}

function checked(f: ParsedFlag): ParsedFlag {
  if (f.value !== undefined) checkLength(f, f.value);
  if (f.name === '-v') checkVariable(f.value as string, describeFlag(f));
  return f;
}

function checkLength(f: ParsedFlag, value: string) {
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes <= MAX_ARG_BYTES) return;
  const limit = `one command-line argument holds at most ${MAX_ARG_BYTES} bytes (Linux MAX_ARG_STRLEN)`;
  if (f.name === '-c') {
    throw invalidArgument(
      `${f.spelled}: the SQL is ${bytes} bytes and ${limit}; send the SQL as stdin with -f - instead`,
    );
  }
  throw invalidArgument(`${f.spelled}: the value is ${bytes} bytes and ${limit}`);
}

/** `-v name=value` as name and value; `-v name` (no `=`) unsets, and has no value. */
export function variableAssignment(assignment: string): [string, string | undefined] {
  const eq = assignment.indexOf('=');
  return eq < 0 ? [assignment, undefined] : [assignment.slice(0, eq), assignment.slice(eq + 1)];
}

function checkVariable(assignment: string, label: string) {
  const [name, value] = variableAssignment(assignment);
  if (name === 'ON_ERROR_STOP' && value !== '1') {
    throw invalidArgument(`${label}: ON_ERROR_STOP must be 1`);
  }
  // psql lexes an unquoted `:name` as input: a backslash in the value would be a meta-command
  // that no scan of the script sees, and a quote left open would hide one from it
  // (lib/psql/guard/variables.ts).
  if (value?.includes('\\')) {
    throw invalidArgument(
      `${label}: a value with a backslash is not accepted: psql would run it as a meta-command where :${name} is used`,
    );
  }
  if (value !== undefined && !lexesAsItself(value)) {
    throw invalidArgument(
      `${label}: a value that leaves a quote, dollar quote or comment open, or holds :name, is not accepted: psql would lex the rest of the script otherwise where :${name} is used`,
    );
  }
}

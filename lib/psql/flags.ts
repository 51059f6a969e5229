import { invalidArgument } from '../errors.js';
import { lexesAsItself } from './variables.js';

/** A psql flag in canonical form: short name where psql has one, value separate. */
export interface ParsedFlag {
  name: string;
  value?: string;
  /** The flag as it goes into the normalized argument list. */
  tokens: string[];
}

/** psql's short options that take a value (getopt "c:d:f:h:L:o:p:P:R:F:T:U:v:"). */
const SHORT_WITH_VALUE = new Set(['c', 'd', 'f', 'h', 'L', 'o', 'p', 'P', 'R', 'F', 'T', 'U', 'v']);
const SHORT_NO_VALUE = new Set([...'aAbeEHlnqsStVwWxXz01?']);

const LONG_WITH_VALUE: Record<string, string> = {
  command: '-c',
  dbname: '-d',
  database: '-d',
  file: '-f',
  host: '-h',
  'log-file': '-L',
  output: '-o',
  port: '-p',
  pset: '-P',
  'record-separator': '-R',
  'field-separator': '-F',
  'table-attr': '-T',
  username: '-U',
  set: '-v',
  variable: '-v',
};
const LONG_NO_VALUE: Record<string, string> = {
  'echo-all': '-a',
  'no-align': '-A',
  'echo-errors': '-b',
  'echo-queries': '-e',
  'echo-hidden': '-E',
  html: '-H',
  'no-readline': '-n',
  quiet: '-q',
  'single-step': '-s',
  'single-line': '-S',
  'tuples-only': '-t',
  expanded: '-x',
  'no-psqlrc': '-X',
  'field-separator-zero': '-z',
  'record-separator-zero': '-0',
  'single-transaction': '-1',
  'no-password': '-w',
  password: '-W',
  csv: '--csv',
};

/** Connection flags: the engine chooses the server and database, never the request. */
const CONNECTION = new Set(['-h', '-p', '-U', '-d']);
/** Flags that would write files on the engine host. */
const WRITES_FILES = new Set(['-o', '-L']);

/**
 * Parses psql arguments the way psql's getopt does (clusters like `-qX`, attached values like
 * `-cSQL`, `--long=value` and `--long value`) and applies the rejections of SPEC §5.1.
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
  const key = arg.slice(2, eq < 0 ? undefined : eq);
  const short = LONG_WITH_VALUE[key];
  if (short) {
    const value = eq < 0 ? next() : arg.slice(eq + 1);
    return flag(short, value, arg);
  }
  const noValue = LONG_NO_VALUE[key];
  if (noValue) {
    if (eq >= 0) throw invalidArgument(`${arg}: flag takes no value`);
    return { name: noValue, tokens: [noValue] };
  }
  // Other long flags pass through unchanged (SPEC §5.1), in one token so `--x=v` keeps its value.
  return { name: arg, tokens: [arg] };
}

function parseShortCluster(arg: string, next: () => string): ParsedFlag[] {
  const out: ParsedFlag[] = [];
  for (let j = 1; j < arg.length; j++) {
    const letter = arg[j] as string;
    if (SHORT_WITH_VALUE.has(letter)) {
      const attached = arg.slice(j + 1);
      out.push(flag(`-${letter}`, attached !== '' ? attached : next(), arg));
      return out;
    }
    if (!SHORT_NO_VALUE.has(letter)) throw invalidArgument(`${arg}: unknown psql flag -${letter}`);
    out.push({ name: `-${letter}`, tokens: [`-${letter}`] });
  }
  return out;
}

function flag(name: string, value: string, original: string): ParsedFlag {
  if (CONNECTION.has(name)) {
    throw invalidArgument(
      `${original}: connection flags are not accepted; the engine picks the server`,
    );
  }
  return { name, value, tokens: [name, value] };
}

function checked(f: ParsedFlag): ParsedFlag {
  if (WRITES_FILES.has(f.name)) {
    throw invalidArgument(`${f.name}: flags that write files on the engine host are not accepted`);
  }
  if (f.name === '-v') checkVariable(f.value as string);
  return f;
}

/** `-v name=value` as name and value; `-v name` (no `=`) unsets, and has no value. */
export function variableAssignment(assignment: string): [string, string | undefined] {
  const eq = assignment.indexOf('=');
  return eq < 0 ? [assignment, undefined] : [assignment.slice(0, eq), assignment.slice(eq + 1)];
}

function checkVariable(assignment: string) {
  const [name, value] = variableAssignment(assignment);
  if (name === 'ON_ERROR_STOP' && value !== '1') {
    throw invalidArgument(`-v ${assignment}: ON_ERROR_STOP must be 1`);
  }
  // psql lexes an unquoted `:name` as input: a backslash in the value would be a meta-command
  // that no scan of the script sees, and a quote left open would hide one from it
  // (lib/psql/variables.ts).
  if (value?.includes('\\')) {
    throw invalidArgument(
      `-v ${assignment}: a value with a backslash is not accepted: psql would run it as a meta-command where :${name} is used`,
    );
  }
  if (value !== undefined && !lexesAsItself(value)) {
    throw invalidArgument(
      `-v ${assignment}: a value that leaves a quote, dollar quote or comment open, or holds :name, is not accepted: psql would lex the rest of the script otherwise where :${name} is used`,
    );
  }
}

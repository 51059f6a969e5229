/**
 * Every command-line option psql 13 to 18 knows, as its startup code hands them to
 * getopt_long, and what the engine does with each (docs/prepare.md, "psql arguments").
 * test/lib/psql/argv/flags-differential.test.ts checks this table against the installed psql.
 */

export type HasArg = 'none' | 'required' | 'optional';

/**
 * allowed: passes, in its canonical short spelling. enforced: the engine always gives it
 * (`-X`), so a duplicate is dropped. connection: the engine picks server and database.
 * refused: any other option psql knows.
 */
export type Policy = 'allowed' | 'enforced' | 'connection' | 'refused';

export interface PsqlOption {
  /** The short letter (`c`), or undefined for long-only options (`--csv`, `--help`). */
  short?: string;
  /** Long names, in psql's long_options order. */
  long: string[];
  hasArg: HasArg;
  policy: Policy;
  /** Why a refused option is refused, for the error. */
  why?: string;
}

const WRITES = 'it writes files on the engine host';
const EXITS = 'it prints and exits without running any step';
const PASSWORD = 'the engine owns the connection and its password';
const OFF_LIST = 'it is not on the list of accepted options (docs/prepare.md)';

const opt = (
  short: string | undefined,
  long: string[],
  hasArg: HasArg,
  policy: Policy,
  why?: string,
): PsqlOption => ({ short, long, hasArg, policy, why });

/** psql's options; the short ones in the order of its optstring. */
export const PSQL_OPTIONS: readonly PsqlOption[] = [
  opt('a', ['echo-all'], 'none', 'allowed'),
  opt('A', ['no-align'], 'none', 'allowed'),
  opt('b', ['echo-errors'], 'none', 'allowed'),
  opt('c', ['command'], 'required', 'allowed'),
  opt('d', ['dbname'], 'required', 'connection'),
  opt('e', ['echo-queries'], 'none', 'allowed'),
  opt('E', ['echo-hidden'], 'none', 'refused', OFF_LIST),
  opt('f', ['file'], 'required', 'allowed'),
  opt('F', ['field-separator'], 'required', 'allowed'),
  opt('h', ['host'], 'required', 'connection'),
  opt('H', ['html'], 'none', 'refused', OFF_LIST),
  opt('l', ['list'], 'none', 'refused', EXITS),
  opt('L', ['log-file'], 'required', 'refused', WRITES),
  opt('n', ['no-readline'], 'none', 'allowed'),
  opt('o', ['output'], 'required', 'refused', WRITES),
  opt('p', ['port'], 'required', 'connection'),
  opt('P', ['pset'], 'required', 'allowed'),
  opt('q', ['quiet'], 'none', 'allowed'),
  opt('R', ['record-separator'], 'required', 'allowed'),
  opt('s', ['single-step'], 'none', 'refused', 'single-step mode asks before each query'),
  opt('S', ['single-line'], 'none', 'refused', OFF_LIST),
  opt('t', ['tuples-only'], 'none', 'allowed'),
  opt('T', ['table-attr'], 'required', 'refused', OFF_LIST),
  opt('U', ['username'], 'required', 'connection'),
  opt('v', ['set', 'variable'], 'required', 'allowed'),
  opt('V', ['version'], 'none', 'refused', EXITS),
  opt('w', ['no-password'], 'none', 'refused', PASSWORD),
  opt('W', ['password'], 'none', 'refused', PASSWORD),
  opt('x', ['expanded'], 'none', 'allowed'),
  opt('X', ['no-psqlrc'], 'none', 'enforced'),
  opt('z', ['field-separator-zero'], 'none', 'allowed'),
  opt('?', [], 'none', 'refused', EXITS),
  opt('0', ['record-separator-zero'], 'none', 'allowed'),
  opt('1', ['single-transaction'], 'none', 'allowed'),
  opt(undefined, ['help'], 'optional', 'refused', EXITS),
  opt(undefined, ['csv'], 'none', 'refused', OFF_LIST),
];

/** One long name and the option it belongs to (two names, `--set` and `--variable`, share one). */
export interface LongName {
  name: string;
  option: PsqlOption;
}

/** psql's long_options array, in its order (glibc reports ambiguity candidates in this order). */
export const LONG_NAMES: readonly LongName[] = [
  'echo-all',
  'no-align',
  'command',
  'dbname',
  'echo-queries',
  'echo-errors',
  'echo-hidden',
  'file',
  'field-separator',
  'field-separator-zero',
  'host',
  'html',
  'list',
  'log-file',
  'no-readline',
  'single-transaction',
  'output',
  'port',
  'pset',
  'quiet',
  'record-separator',
  'record-separator-zero',
  'single-step',
  'single-line',
  'tuples-only',
  'table-attr',
  'username',
  'set',
  'variable',
  'version',
  'no-password',
  'password',
  'expanded',
  'no-psqlrc',
  'help',
  'csv',
].map((name) => ({ name, option: byLong(name) }));

function byLong(name: string): PsqlOption {
  const found = PSQL_OPTIONS.find((o) => o.long.includes(name));
  if (!found) throw new Error(`psql option table: no option --${name}`);
  return found;
}

/** The short letters, and `?`; `:` is never an option letter for getopt. */
export function shortOption(letter: string): PsqlOption | undefined {
  if (letter === ':') return undefined;
  return PSQL_OPTIONS.find((o) => o.short === letter);
}

export type LongReading =
  | { kind: 'option'; name: string; option: PsqlOption }
  | { kind: 'ambiguous'; candidates: string[] }
  | { kind: 'unknown' };

/**
 * Reads `--<given>` as glibc's getopt_long does: an exact name wins; otherwise a name that
 * starts with `given` is that option, and several such names are ambiguous unless they all
 * mean the same option with the same argument (glibc compares has_arg, flag and val).
 */
export function resolveLong(given: string): LongReading {
  const exact = LONG_NAMES.find((l) => l.name === given);
  if (exact) return { kind: 'option', name: exact.name, option: exact.option };
  const matches = LONG_NAMES.filter((l) => l.name.startsWith(given));
  const first = matches[0];
  if (!first) return { kind: 'unknown' };
  if (matches.every((m) => m.option === first.option))
    return { kind: 'option', name: first.name, option: first.option };
  return { kind: 'ambiguous', candidates: matches.map((m) => m.name) };
}

/** How an option reads in an error: `-c (--command)`, `--csv`, `-?`. */
export function optionLabel(o: PsqlOption): string {
  const long = o.long[0];
  if (o.short && long) return `-${o.short} (--${long})`;
  return o.short ? `-${o.short}` : `--${long}`;
}

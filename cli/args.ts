import { usage } from './errors.js';

export interface FlagSpec {
  /** Long name without dashes, e.g. `image`. */
  name: string;
  short?: string;
  /** true when the flag takes a value. */
  value?: boolean;
}

export interface Parsed {
  flags: Record<string, string | boolean>;
  positionals: string[];
  /** Everything after `--` (or after the first unknown-to-us token when `passThrough`). */
  rest: string[];
}

/**
 * A small parser for the CLI's own flags: `--x v`, `--x=v`, `-x v`, booleans, `--`. With
 * `passThrough`, the first token that is not one of ours starts the tool's arguments (so
 * `sqlrs prepare:psql -f x.sql` works without `--`).
 */
export function parseArgs(
  argv: string[],
  specs: FlagSpec[],
  opts: { passThrough?: boolean } = {},
): Parsed {
  const out: Parsed = { flags: {}, positionals: [], rest: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      out.rest = argv.slice(i + 1);
      return out;
    }
    const spec = findSpec(arg, specs);
    if (spec) {
      i = readFlag(argv, i, spec, out);
    } else if (opts.passThrough && arg.startsWith('-')) {
      out.rest = argv.slice(i);
      return out;
    } else if (arg.startsWith('-') && arg !== '-') {
      throw usage(`unknown flag ${arg} (see --help)`);
    } else {
      out.positionals.push(arg);
    }
  }
  return out;
}

/** Stores one flag (and its value); returns the index of the last token it used. */
function readFlag(argv: string[], i: number, spec: FlagSpec, out: Parsed): number {
  const arg = argv[i] as string;
  const eq = arg.indexOf('=');
  if (!spec.value) {
    if (eq >= 0) throw usage(`${arg.slice(0, eq)} takes no value`);
    out.flags[spec.name] = true;
    return i;
  }
  const inline = eq >= 0 && arg.startsWith('--');
  const value = inline ? arg.slice(eq + 1) : argv[i + 1];
  if (value === undefined) throw usage(`${arg} needs a value`);
  out.flags[spec.name] = value;
  return inline ? i : i + 1;
}

function findSpec(arg: string, specs: FlagSpec[]): FlagSpec | undefined {
  if (arg.startsWith('--')) {
    const name = arg.slice(2).split('=')[0];
    return specs.find((s) => s.name === name);
  }
  if (arg.length === 2 && arg.startsWith('-')) return specs.find((s) => s.short === arg[1]);
  return undefined;
}

export const str = (p: Parsed, name: string) => {
  const v = p.flags[name];
  return typeof v === 'string' ? v : undefined;
};
export const bool = (p: Parsed, name: string) => p.flags[name] === true;

/** An id prefix as the engine takes it: 8 to 64 hex characters, any case (`what` names the id). */
export function requireIdPrefix(ref: string, what: string): string {
  if (!/^[0-9a-fA-F]{8,64}$/.test(ref))
    throw usage(`${ref}: give at least 8 hex characters of ${what}`);
  return ref;
}

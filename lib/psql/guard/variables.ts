import { splitMetaArgs } from '../scan/meta-args.js';
import { type MetaCommand, scanPsqlTo } from '../scan/scanner.js';
import { possibleTexts, setArguments, type ValuePart } from './set-value.js';

/**
 * Which psql variables may hold a backslash by the time a script interpolates them unquoted
 * (`:name`). psql lexes such a value as more input, so a backslash in it starts a meta-command
 * that no scan of the script can see: `select '\! touch x' as cmd \gset` then `:cmd` runs a shell
 * command on the engine host. Quoted interpolations (`:'name'`, `:"name"`) are literals, and
 * safe. One per step: each step is a psql process of its own.
 *
 * Values come from the script's `\set` (its text is here to check), from `-v` (refused with a
 * backslash, lib/psql/argv/flags.ts), from the server (`\gset`, LAST_ERROR_MESSAGE: unknowable), or
 * from psql itself (names, numbers, true/false: no backslash). A value that leaves a quote,
 * dollar quote or comment open taints too. To check a `\set` built from other variables, the
 * texts each may hold are followed (docs/prepare.md, "Includes and meta-commands").
 */
export class VariableTaint {
  private readonly tainted = new Map<string, string>([
    ['LAST_ERROR_MESSAGE', "psql's copy of the server's last error message"],
  ]);
  /** `\gset` prefixes seen, with where; '' taints every name. */
  private readonly fromServer: Array<{ prefix: string; where: string }> = [];
  private readonly gsetPrefixes = new Set<string>();
  /** Every name tainted so far, even if a later `\set` cleaned it. */
  private readonly ever = new Set(this.tainted.keys());
  /** What the names set so far may hold (absent: unset). */
  private readonly held = new Map<string, Held>();
  /** How many `\if` blocks the script is in here, and how many of them its file opened in. */
  private depth = 0;
  private floor = 0;

  /** `preset`: the step's `-v` values (a name without one is unset). */
  constructor(preset: Iterable<[string, string | undefined]> = []) {
    for (const [name, value] of preset)
      if (value === undefined) this.held.delete(name);
      else this.held.set(name, { values: [value], maybeUnset: false });
  }

  /** Why `:name` may hold a backslash, or undefined when it cannot. */
  reason(name: string): string | undefined {
    const gset = this.fromServer.find((g) => name.startsWith(g.prefix));
    if (gset) return `set from the server by \\gset at ${gset.where}`;
    return this.tainted.get(name);
  }

  /** Whether `:name` could have held a backslash anywhere so far. */
  everTainted(name: string): boolean {
    return this.ever.has(name) || this.fromServer.some((g) => name.startsWith(g.prefix));
  }

  /**
   * Notes what a meta-command does to the variables (`\set`, `\unset`, `\gset`), and the `\if`
   * blocks: what is set inside one may not happen, so there a `\set` adds taint but never
   * clears it (`\set x ''''`, then `\set x a` under `\if false`, left x a quote).
   */
  seen(cmd: MetaCommand, where: string): void {
    if (cmd.name === 'if') this.depth++;
    else if (cmd.name === 'endif' && this.depth > this.floor) this.depth--;
    else if (cmd.name === 'gset') this.gset(cmd, where);
    else if (cmd.name === 'set') this.set(cmd, where);
    else if (cmd.name === 'unset') this.unset(cmd);
  }

  /**
   * An included file's `\endif` closes no block of the file that includes it (psql keeps a
   * file's blocks to the file), and what it leaves open ends with it.
   */
  enterFile(): FileScope {
    const outer = { depth: this.depth, floor: this.floor };
    this.floor = this.depth;
    return outer;
  }

  leaveFile(outer: FileScope): void {
    this.depth = outer.depth;
    this.floor = outer.floor;
  }

  private gset(cmd: MetaCommand, where: string): void {
    const [arg] = splitMetaArgs(cmd.args);
    const prefix = !arg || arg.dynamic ? '' : arg.value;
    // Only the first `\gset` of a prefix is ever named: a script that repeats one (a \gset
    // per row) keeps the list short, which every `:name` is checked against.
    if (this.gsetPrefixes.has(prefix)) return;
    this.gsetPrefixes.add(prefix);
    this.fromServer.push({ prefix, where });
  }

  private set(cmd: MetaCommand, where: string): void {
    const [name, ...words] = setArguments(cmd.args);
    const only = name?.length === 1 ? name[0] : undefined;
    if (!only || !('text' in only)) return; // psql refuses a name it would have to build
    const values = this.valueOf(cmd.args, words.flat(), where);
    if (typeof values === 'string') this.taint(only.text, values);
    else if (this.depth === 0) {
      this.tainted.delete(only.text);
      this.held.set(only.text, { values, maybeUnset: false });
    } else this.held.set(only.text, widened(this.held.get(only.text), values));
  }

  /** What a `\set` value may be, or why it may hold a backslash or lex otherwise. */
  private valueOf(args: string, parts: ValuePart[], where: string): string[] | string {
    if (args.includes('\\')) return `\\set at ${where} with a backslash`;
    const choices: string[][] = [];
    for (const part of parts) {
      const options = 'text' in part ? [part.text] : this.options(part);
      if (typeof options === 'string') return `\\set at ${where} ${options}`;
      choices.push(options);
    }
    const values = possibleTexts(choices, MAX_VALUES);
    if (!values) return `\\set at ${where} with more possible values than this check follows`;
    if (!values.every(lexesAsItself))
      return `\\set at ${where} with a value that opens a literal or comment`;
    return values;
  }

  /** The texts a variable may put into a `\set` value, or why it makes the value unknown. */
  private options({ variable: name, quote }: VariablePart): string[] | string {
    // Quoted ones too: a value that is part literal can come apart when lexed again.
    if (this.reason(name)) return `from :${name}`;
    const held = this.held.get(name);
    const set = held !== undefined && !held.maybeUnset;
    // A quoted value is a whole literal or identifier; an unset name stays as it is.
    if (quote)
      return set ? [`${quote}v${quote}`] : [`${quote}v${quote}`, `:${quote}${name}${quote}`];
    if (set && held.values) return held.values;
    // psql keeps an unset `:x` as it is and lexes it again where the value is used, with what
    // x holds there: `\set y :x`, `\set x ''''`, then `select :y` opened a literal.
    return `from :${name}, which may be unset there or hold what this check does not follow`;
  }

  private unset(cmd: MetaCommand): void {
    const [name] = splitMetaArgs(cmd.args);
    if (!name || name.dynamic) return;
    const held = this.held.get(name.value);
    if (this.depth > 0) {
      if (held) held.maybeUnset = true;
      return;
    }
    this.held.delete(name.value);
    this.tainted.delete(name.value);
  }

  private taint(name: string, why: string): void {
    this.tainted.set(name, why);
    this.ever.add(name);
    this.held.delete(name);
  }
}

type VariablePart = Extract<ValuePart, { variable: string }>;
type FileScope = { depth: number; floor: number };

/** What a variable may hold: each text (undefined: more than this check follows), or unset. */
interface Held {
  values?: string[];
  maybeUnset: boolean;
}

const MAX_VALUES = 16;

/** What a variable may hold after a `\set` inside an `\if` block, which may not run. */
function widened(before: Held | undefined, values: string[]): Held {
  if (!before) return { values, maybeUnset: true };
  const all = before.values && [...new Set([...before.values, ...values])];
  return {
    values: all && all.length <= MAX_VALUES ? all : undefined,
    maybeUnset: before.maybeUnset,
  };
}

/**
 * Whether psql, lexing `value` where a script interpolates it unquoted, reads it as the scan
 * does: nothing to find in it (no backslash, no `:name`) and nothing left open (a quote, a
 * dollar quote, a comment: `\\set q ''''` then `select :q;` opens a literal the scan never
 * sees, and a `\\!` on the next line runs). Non-ASCII text with quote characters is kept out too:
 * psql lexes it by the client encoding (lib/psql/guard/client-encodings.ts).
 */
export function lexesAsItself(value: string): boolean {
  if (value.includes('\\')) return false;
  if (/[\u0080-\uffff]/.test(value) && /['"$*/-]/.test(value)) return false;
  const { tokens, reopen } = scanPsqlTo(`${value}\n`);
  return tokens.length === 0 && reopen === '';
}

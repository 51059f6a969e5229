import { splitMetaArgs } from './meta-args.js';
import { type MetaCommand, scanPsqlTo } from './scanner.js';

/**
 * Which psql variables may hold a backslash by the time a script interpolates them unquoted
 * (`:name`). psql lexes such a value as more input, so a backslash in it starts a meta-command
 * that no scan of the script can see: `select '\! touch x' as cmd \gset` then `:cmd` ran a shell
 * command on the engine host. Quoted interpolations (`:'name'`, `:"name"`) are literals, and
 * safe. One per step: each step is a psql process of its own.
 *
 * Values come from the script's `\set` (its text is here to check), from `-v` (refused with a
 * backslash, lib/psql/flags.ts), from the server (`\gset`, LAST_ERROR_MESSAGE: unknowable), or
 * from psql itself (names, numbers, true/false: no backslash).
 */
export class VariableTaint {
  private readonly tainted = new Map<string, string>([
    ['LAST_ERROR_MESSAGE', "psql's copy of the server's last error message"],
  ]);
  /** `\gset` prefixes seen, with where; '' taints every name. */
  private readonly fromServer: Array<{ prefix: string; where: string }> = [];
  /** Every name tainted so far, even if a later `\set` cleaned it. */
  private readonly ever = new Set(this.tainted.keys());

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

  /** Notes what a meta-command does to the variables (`\set`, `\gset`). */
  seen(cmd: MetaCommand, where: string): void {
    if (cmd.name === 'gset') this.gset(cmd, where);
    else if (cmd.name === 'set') this.set(cmd, where);
  }

  private gset(cmd: MetaCommand, where: string): void {
    const [prefix] = splitMetaArgs(cmd.args);
    this.fromServer.push({ prefix: !prefix || prefix.dynamic ? '' : prefix.value, where });
  }

  private set(cmd: MetaCommand, where: string): void {
    const [name, ...words] = splitMetaArgs(cmd.args);
    if (!name || name.dynamic) return; // psql refuses a variable name it would have to build
    if (cmd.args.includes('\\')) {
      this.taint(name.value, `\\set at ${where} with a backslash`);
      return;
    }
    // Quoted ones too: a value that is part literal can come apart when lexed again.
    for (const m of cmd.args.matchAll(/:['"]?([A-Za-z0-9_\x80-\xff]+)/g)) {
      if (this.reason(m[1] as string)) {
        this.taint(name.value, `\\set at ${where} from :${m[1]}`);
        return;
      }
    }
    if (!words.some((w) => w.dynamic) && !lexesAsItself(words.map((w) => w.value).join(''))) {
      this.taint(name.value, `\\set at ${where} with a value that opens a literal or comment`);
      return;
    }
    this.tainted.delete(name.value);
  }

  private taint(name: string, why: string): void {
    this.tainted.set(name, why);
    this.ever.add(name);
  }
}

/**
 * Whether psql, lexing `value` where a script interpolates it unquoted, reads it as the scan
 * does: nothing to find in it (no backslash, no `:name`) and nothing left open (a quote, a
 * dollar quote, a comment: `\\set q ''''` then `select :q;` opened a literal the scan never
 * saw, and a `\\!` on the next line ran). Non-ASCII text with quote characters is kept out too:
 * psql lexes it by the client encoding (lib/psql/client-encodings.ts).
 */
export function lexesAsItself(value: string): boolean {
  if (value.includes('\\')) return false;
  if (/[\u0080-\uffff]/.test(value) && /['"$*/-]/.test(value)) return false;
  const { tokens, reopen } = scanPsqlTo(`${value}\n`);
  return tokens.length === 0 && reopen === '';
}

/**
 * Reading one psql meta-command (backslash command) as psql's slash-command lexer does: its
 * name, and its arguments up to where psql ends them.
 */
export interface MetaCommand {
  /** Command name without the backslash, e.g. `i`, `include_relative`, `copy`, `!`. */
  name: string;
  /** The raw argument text after the name, up to the end of the command. */
  args: string;
  /** 1-based line of the backslash. */
  line: number;
  /** Offsets of the whole command (backslash through end of line, newline excluded). */
  start: number;
  end: number;
}

/**
 * Commands whose argument is the rest of the line, backslashes and all (psql's OT_WHOLE_LINE).
 * Every other command's arguments end at an unquoted backslash: `\\` goes back to SQL, and
 * any other backslash starts the next command on the same line (`\echo hi \! ls` runs both).
 */
const WHOLE_LINE = new Set(['!', 'copy', 'h', 'help', 'ef', 'ev', 'sf', 'sf+', 'sv', 'sv+']);

export function readMeta(text: string, at: number, line: number): MetaCommand | undefined {
  return readMetaToken(text, at, line);
}

/** readMeta, as the scan's token (lib/psql/scan/scanner.ts): one object per command. */
export function readMetaToken(
  text: string,
  at: number,
  line: number,
): ({ kind: 'meta' } & MetaCommand) | undefined {
  const first = text.charCodeAt(at + 1);
  if (Number.isNaN(first) || first === 0x0a) return undefined;
  // `\\` anywhere but right after a command's arguments is a command named `\` to psql,
  // unknown, whose arguments it reads (and skips) as any command's: `\\ x $a$` opens nothing.
  let k = at + 2;
  if (NAME_CODE[first] === 2) while ((NAME_CODE[text.charCodeAt(k)] as number) > 0) k++;
  const name = text.slice(at + 1, k);
  const end = WHOLE_LINE.has(name) ? lineEnd(text, k) : argumentsEnd(text, k);
  return { kind: 'meta', name, args: text.slice(k, end), line, start: at, end };
}

/** Characters of a command name: 2 for a letter (which starts one), 1 for a digit, `_` or `+`. */
const NAME_CODE = new Uint8Array(256);
for (let b = 0; b < 256; b++) {
  const c = String.fromCharCode(b);
  NAME_CODE[b] = /[A-Za-z]/.test(c) ? 2 : /[0-9_+]/.test(c) ? 1 : 0;
}

/**
 * Where a command's arguments end: an unquoted backslash, or the end of the line. Reads no
 * further than that: finding the end of the line first cost the rest of the line per command.
 */
function argumentsEnd(text: string, from: number): number {
  for (let k = from; k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (c === 0x5c || c === 0x0a) return k;
    if (c === 0x27) k = argumentQuoteEnd(text, k);
    else if (c === 0x22 || c === 0x60) k = closeOnLine(text, k, c);
    if (k >= text.length || text.charCodeAt(k) === 0x0a) return k;
  }
  return text.length;
}

/** The closing quote of a '...' argument ('' and backslash escapes), or the end of its line. */
function argumentQuoteEnd(text: string, open: number): number {
  for (let k = open + 1; k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (c === 0x0a) return k;
    if (c === 0x5c) {
      if (text.charCodeAt(k + 1) === 0x0a) return k + 1;
      k++;
    } else if (c === 0x27) {
      if (text.charCodeAt(k + 1) !== 0x27) return k;
      k++;
    }
  }
  return text.length;
}

/** The next `quote` (a character code) on the line, or the end of the line. */
function closeOnLine(text: string, open: number, quote: number): number {
  for (let k = open + 1; k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (c === quote || c === 0x0a) return k;
  }
  return text.length;
}

/** The end of the line `from` is on: its newline, or the end of the text. */
export function lineEnd(text: string, from: number): number {
  const nl = text.indexOf('\n', from);
  return nl < 0 ? text.length : nl;
}

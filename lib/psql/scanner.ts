import { lineCounter } from '../lines.js';

/**
 * Finds psql meta-commands (backslash commands) in SQL text the way psql's lexer does: a
 * backslash inside a quoted literal ('...', E'...', "..."), a dollar-quoted body ($tag$...$tag$)
 * or a comment (-- and nested /* *\/) is not a meta-command. A meta-command runs to the end of
 * its line (or to a `\\` separator).
 *
 * Text is scanned as latin1 so every byte maps to one character and offsets are byte offsets.
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

const IDENT = /[A-Za-z0-9_$\x80-\xff]/;
const DOLLAR_TAG = /^\$([A-Za-z_\x80-\xff][A-Za-z0-9_\x80-\xff]*)?\$/;

export function scanMetaCommands(text: string): MetaCommand[] {
  const out: MetaCommand[] = [];
  const lineAt = lineCounter(text);
  let i = 0;
  while (i < text.length) {
    if (text[i] === '\\') {
      const cmd = readMeta(text, i, lineAt(i));
      if (cmd) out.push(cmd);
      i = cmd ? cmd.end : i + 2;
    } else {
      i = skipLiteralOrComment(text, i) ?? i + 1;
    }
  }
  return out;
}

/** The end of a comment, quoted literal or dollar-quoted body starting at `i`, if one does. */
function skipLiteralOrComment(text: string, i: number): number | undefined {
  const c = text[i];
  const next = text[i + 1];
  if (c === '-' && next === '-') return lineEnd(text, i);
  if (c === '/' && next === '*') return blockCommentEnd(text, i);
  if (c === "'") return quoteEnd(text, i, "'", isEscapeString(text, i));
  if (c === '"') return quoteEnd(text, i, '"', false);
  if (c === '$' && !IDENT.test(text[i - 1] ?? '')) return dollarQuoteEnd(text, i);
  return undefined;
}

/** E'...' (or e'...') strings treat backslash as an escape; E must start a token. */
function isEscapeString(text: string, quote: number): boolean {
  return /[eE]/.test(text[quote - 1] ?? '') && !IDENT.test(text[quote - 2] ?? '');
}

function dollarQuoteEnd(text: string, i: number): number | undefined {
  const tag = DOLLAR_TAG.exec(text.slice(i, i + 64));
  if (!tag) return undefined;
  const close = text.indexOf(tag[0], i + tag[0].length);
  return close < 0 ? text.length : close + tag[0].length;
}

function lineEnd(text: string, from: number): number {
  const nl = text.indexOf('\n', from);
  return nl < 0 ? text.length : nl;
}

function blockCommentEnd(text: string, from: number): number {
  let depth = 0;
  for (let k = from; k < text.length - 1; k++) {
    if (text[k] === '/' && text[k + 1] === '*') {
      depth++;
      k++;
    } else if (text[k] === '*' && text[k + 1] === '/') {
      depth--;
      k++;
      if (depth === 0) return k + 1;
    }
  }
  return text.length;
}

function quoteEnd(text: string, from: number, quote: string, backslashEscapes: boolean): number {
  for (let k = from + 1; k < text.length; k++) {
    const c = text[k];
    if (backslashEscapes && c === '\\') k++;
    else if (c === quote) {
      if (text[k + 1] === quote) k++;
      else return k + 1;
    }
  }
  return text.length;
}

function readMeta(text: string, at: number, line: number): MetaCommand | undefined {
  const first = text[at + 1];
  if (first === undefined || first === '\n') return undefined;
  if (first === '\\') return undefined; // `\\` separates commands; nothing to do
  let k = at + 1;
  if (/[A-Za-z]/.test(first)) {
    while (k < text.length && /[A-Za-z0-9_+]/.test(text[k] as string)) k++;
  } else {
    k++;
  }
  const name = text.slice(at + 1, k);
  let end = lineEnd(text, k);
  const sep = text.indexOf('\\\\', k);
  if (sep >= 0 && sep < end) end = sep;
  return { name, args: text.slice(k, end), line, start: at, end };
}

/**
 * Splits meta-command arguments as psql does for file names: whitespace separated, single
 * quotes with '' and backslash escapes. Returns undefined for each argument that uses psql
 * variables (`:name`, `:'name'`) or backquotes (shell commands), which cannot be hashed.
 */
export function splitMetaArgs(args: string): Array<{ value: string; dynamic: boolean }> {
  const out: Array<{ value: string; dynamic: boolean }> = [];
  let k = 0;
  for (;;) {
    while (k < args.length && /\s/.test(args[k] as string)) k++;
    if (k >= args.length) return out;
    const word = readWord(args, k);
    out.push({ value: word.value, dynamic: word.dynamic });
    k = word.end;
  }
}

function readWord(args: string, from: number) {
  let value = '';
  let dynamic = false;
  let k = from;
  while (k < args.length && !/\s/.test(args[k] as string)) {
    const c = args[k] as string;
    if (c === "'") {
      const quoted = readQuoted(args, k);
      value += quoted.value;
      k = quoted.end;
      continue;
    }
    if (c === '`' || (c === ':' && /[A-Za-z_'"{]/.test(args[k + 1] ?? ''))) dynamic = true;
    value += c;
    k++;
  }
  return { value, dynamic, end: k };
}

/** A single-quoted argument: '' and backslash escapes, as psql reads file names. */
function readQuoted(args: string, open: number): { value: string; end: number } {
  let value = '';
  let k = open + 1;
  for (; k < args.length; k++) {
    const q = args[k] as string;
    if (q === "'" && args[k + 1] !== "'") break;
    if (q === '\\' || q === "'") k++;
    value += args[k] ?? '';
  }
  return { value, end: k + 1 };
}

import { countNewlines, lineCounter } from '../../lines.js';
import { LineStateIndex } from './line-states.js';
import { lineEnd, type MetaCommand, readMetaToken } from './meta-scan.js';
import {
  dollarAfterNumber,
  exponentBefore,
  isEscapeString,
  plainQuoteEnd,
  reopening,
  skipLiteralOrComment,
  wordStarts,
} from './sql-lexemes.js';

/**
 * Finds psql meta-commands (backslash commands) in SQL text the way psql's lexer does: a
 * backslash inside a quoted literal ('...', E'...', "..."), a dollar-quoted body ($tag$...$tag$)
 * or a comment (-- and nested /* *\/) is not a meta-command. A meta-command runs to the end of
 * its line (or to a `\\` separator).
 *
 * Text is scanned as latin1 so every byte maps to one character and offsets are byte offsets.
 */
export type { MetaCommand };

/** A psql variable interpolated unquoted into SQL (`:name`): psql lexes its value as input. */
export interface Interpolation {
  kind: 'variable';
  name: string;
  line: number;
  start: number;
  end: number;
}

/**
 * Text psql may read otherwise than this scanner, and so find meta-commands where it finds a
 * literal. `backslash`: a '...' literal with an odd run of backslashes before a quote, which
 * psql ends there while standard_conforming_strings is on (the default) but reads as an
 * escaped quote once a script turns it off. `dollar`: a dollar-quote opener right after a
 * number or a `$1` parameter (`1$$`), which psql reads as the start of a dollar-quoted body
 * or as part of the number, by version (`0x1F$$`: PostgreSQL 16 added hex numbers).
 * `exponent`: `--` right after a number's `e` (`1e--`), where psql takes `1e-` as one token
 * (an exponent without digits) and lexes on from the second `-`: no comment starts there.
 */
export interface AmbiguousLiteral {
  kind: 'ambiguous';
  cause: 'backslash' | 'dollar' | 'exponent';
  line: number;
  start: number;
  end: number;
  /** Offset of the quote that psql may read as escaped, or of the `$`. */
  at: number;
}

export type PsqlToken = ({ kind: 'meta' } & MetaCommand) | Interpolation | AmbiguousLiteral;

/**
 * Where scanPsqlTo notes the states lines start in (a Set will do), with the first and last
 * offset of the line starts inside the construct noted (lib/psql/scan/line-states.ts keeps them).
 */
export interface LineStates {
  /** `before`: the start of the line before `first`. */
  add(state: string, first: number, last: number, before: number): void;
  /** A meta-command starts at `at` (offset into the whole script). */
  command?(at: number): void;
  /** Holds so many that a state more matters only by its kind: a comment is then `/*`. */
  readonly full?: boolean;
}

/** Characters of a variable's name (`:name`), by code: 1 for one. */
const VARIABLE_CHAR = new Uint8Array(256);
for (let b = 0; b < 256; b++)
  VARIABLE_CHAR[b] = /[A-Za-z0-9_\x80-\xff]/.test(String.fromCharCode(b)) ? 1 : 0;

export function scanMetaCommands(text: string): MetaCommand[] {
  return scanPsql(text).filter((t): t is { kind: 'meta' } & MetaCommand => t.kind === 'meta');
}

/** Meta-commands, unquoted interpolations and ambiguous literals, in the order of the text. */
export function scanPsql(text: string): PsqlToken[] {
  return scanPsqlTo(text).tokens;
}

/**
 * scanPsql, and the text that reopens whatever the text leaves open (a literal, dollar-quoted
 * body or comment; '' if nothing): psql lexes a script line by line, carrying that state over,
 * and lib/psql/guard/hidden-commands.ts does the same. Only for text that ends with a newline: then
 * a construct that runs to the end of the text is one left open. `lineStates`, if given, gets
 * what reopens the state at each line start inside the text that is not '' (nothing open).
 *
 * A line `\.` ends COPY ... FROM STDIN data, which psql takes as it is, not lexed: a quote in
 * the data opens nothing. So such a line is no command, and the text after it is scanned
 * afresh; lib/psql/guard/hidden-commands.ts covers the readings where psql was not in COPY.
 */
export function scanPsqlTo(
  text: string,
  lineStates?: LineStates,
  sink?: TokenSink,
  copyEnds: number[] = copyEndStarts(text),
): { tokens: PsqlToken[]; reopen: string } {
  const tokens: PsqlToken[] = [];
  const out = sink ?? tokens;
  let from = 0;
  let lines = 0;
  for (const at of copyEnds) {
    const to = Math.min(lineEnd(text, at) + 1, text.length);
    // A slice is a view of the text in V8, not a copy.
    scanSegment(text.slice(from, at), { offset: from, lines }, out, lineStates);
    lines += countNewlines(text, from, to);
    from = to;
  }
  const last = scanSegment(text.slice(from), { offset: from, lines }, out, lineStates);
  return { tokens, reopen: last };
}

/**
 * scanPsql, and the states the text's lines start in, by offset: what
 * lib/psql/guard/hidden-commands.ts follows psql's other readings from, without a scan of its own.
 */
export function scanPsqlLines(
  text: string,
  sink?: TokenSink,
): { tokens: PsqlToken[]; lines: LineStateIndex } {
  const lines = new LineStateIndex();
  lines.copyEnds = copyEndStarts(text);
  return { tokens: scanPsqlTo(text, lines, sink, lines.copyEnds).tokens, lines };
}

/**
 * Takes the tokens as the scan finds them, in order (an array will do). One that acts on each
 * as it comes keeps none alive past it: a dump's COPY data has a command (`\N`) or a `:name`
 * on most rows, and an array of them all lived long enough to be copied by the collector.
 */
export interface TokenSink {
  push(token: PsqlToken): unknown;
}

/**
 * Where the lines that end COPY data (`\.`, psql's copy.c) start. A carriage return ends no
 * line for psql: `\.<CR>` ends one only before a newline or the end of the text.
 */
export function copyEndStarts(text: string): number[] {
  const starts: number[] = [];
  for (let k = text.startsWith('\\.') ? 0 : text.indexOf('\n\\.'); k >= 0; ) {
    const at = text.charCodeAt(k) === 10 ? k + 1 : k;
    let end = at + 2;
    if (text.charCodeAt(end) === 13) end++;
    if (end >= text.length || text.charCodeAt(end) === 10) starts.push(at);
    k = text.indexOf('\n\\.', at);
  }
  return starts;
}

/** Whether a line, without its newline, ends COPY data. */
export const isCopyEnd = (line: string) => line === '\\.' || line === '\\.\r';

/** Scans a piece of a text that starts `at.offset` into it, after `at.lines` lines. */
function scanSegment(
  text: string,
  at: { offset: number; lines: number },
  sink: TokenSink,
  lineStates?: LineStates,
): string {
  const out = new Placed(sink, at);
  // A word starts no further back than where the construct before it ended: psql reads
  // `$a$ x$a$1$$` as a body up to its second `$a$`, then `1$$`, a number glued to a dollar
  // quote (dollarAfterNumber), where the walk back over `$`, letters and digits finds `x`.
  let wordFloor = 0;
  const words = wordStarts(text);
  const wordStart = (end: number) => Math.max(words(end), wordFloor);
  const positions = { lineAt: lineCounter(text), wordStart };
  let reopen = '';
  let metaEnd = -1;
  const notes = lineStates && new ConstructLines(text, lineStates, at.offset);
  const { length } = text;
  for (let i = 0; i < length; ) {
    const past = pastNothing(text, i);
    if (past > i) {
      i = past;
      continue;
    }
    if (i === metaEnd && text.charCodeAt(i) === BACKSLASH && text.charCodeAt(i + 1) === BACKSLASH) {
      i += 2; // `\\\\` right after a command's arguments goes back to SQL
      continue;
    }
    out.forget();
    const end = scanAt(text, i, positions, out);
    if (end > i + 1) wordFloor = end;
    if (out.last?.kind === 'meta') {
      metaEnd = end;
      lineStates?.command?.(out.last.start);
    }
    if (end >= length && text.endsWith('\n')) reopen = reopening(text, i);
    notes?.construct(i, end);
    i = end;
  }
  return reopen;
}

/**
 * Past what starts nothing at `i`: most of a script (COPY data, words, numbers) is characters
 * that start nothing, skipped a code at a time without a call each, and so is a `-` or `/`
 * that starts no comment. `i` itself where something may start.
 */
function pastNothing(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (PLAIN[c] === 1) {
    const { length } = text;
    let k = i + 1;
    while (k < length && PLAIN[text.charCodeAt(k)] === 1) k++;
    return k;
  }
  if (c === DASH) return text.charCodeAt(i + 1) === DASH ? i : i + 1;
  if (c === SLASH) return text.charCodeAt(i + 1) === STAR ? i : i + 1;
  return i;
}

/** Notes the states of the line starts inside constructs (noteLineStates) as a scan meets them. */
class ConstructLines {
  /** The first newline at or after the last construct's start: looked up again once past. */
  private newline = -1;

  constructor(
    private readonly text: string,
    private readonly states: LineStates,
    private readonly offset: number,
  ) {}

  /** The construct from `i` to `end`: whether it spans lines is one comparison. */
  construct(i: number, end: number): void {
    // An opener and a newline span a line start already: `'` right before a `\.` line.
    if (end - i < 2) return;
    if (this.newline < i) this.newline = this.text.indexOf('\n', i) >>> 0; // none: past all
    if (this.newline < end)
      noteLineStates(this.text, i, end, this.states, this.offset, this.newline);
  }
}

/**
 * Passes on the tokens found in a piece of a text, moved to where they are in the text, and
 * remembers the last one (scanAt reports at most one per call).
 */
class Placed {
  last: PsqlToken | undefined;

  forget(): void {
    this.last = undefined;
  }

  constructor(
    private readonly sink: TokenSink,
    private readonly at: { offset: number; lines: number },
  ) {}

  push(token: PsqlToken): void {
    const { offset, lines } = this.at;
    if (offset > 0 || lines > 0) {
      token.start += offset;
      token.end += offset;
      token.line += lines;
      if (token.kind === 'ambiguous') token.at += offset;
    }
    this.last = token;
    this.sink.push(token);
  }
}

/**
 * Adds what reopens the construct from `i` to `end` at each line start inside it, with where
 * those line starts are (`offset`: where the text starts in the script).
 */
function noteLineStates(
  text: string,
  i: number,
  end: number,
  states: LineStates,
  offset: number,
  nl: number,
): void {
  if (text[i] !== '/') {
    const last = text.lastIndexOf('\n', end - 1);
    const before = text.lastIndexOf('\n', i - 1) + 1;
    states.add(reopening(text, i), offset + nl + 1, offset + last + 1, offset + before);
    return;
  }
  let depth = 0; // a comment: as deep as it is at each newline
  let before = text.lastIndexOf('\n', i - 1) + 1;
  for (let k = i; k < end; k++) {
    const pair = text.slice(k, k + 2);
    if (pair === '/*') depth++;
    if (pair === '*/') depth--;
    if (pair === '/*' || pair === '*/') k++;
    // Each line of `/*` lines nested ever deeper would make a state as long as its depth.
    else if (text[k] === '\n') {
      const state = states.full ? '/*' : '/*'.repeat(depth);
      states.add(state, offset + k + 1, offset + k + 1, offset + before);
      before = k + 1;
    }
  }
}

/**
 * Codes that start nothing scanAt reads: everything but a backslash, `:`, a quote, `$`, `-`
 * and `/` (a comment's first character). 1 for a plain one.
 */
const PLAIN = new Uint8Array(65536).fill(1);
for (const c of '\\:\'"$-/') PLAIN[c.charCodeAt(0)] = 0;
const [BACKSLASH, COLON, QUOTE, DASH, SLASH, STAR] = [..."\\:'-/*"].map((c) => c.charCodeAt(0));

/** Line numbers and word starts of one text, each remembered as the scan goes forward. */
interface Positions {
  lineAt: (at: number) => number;
  wordStart: (end: number) => number;
}

/** Reads what starts at `i`, reporting tokens to `out`; returns where the next thing starts. */
function scanAt(text: string, i: number, { lineAt, wordStart }: Positions, out: TokenSink) {
  const code = text.charCodeAt(i);
  if (code === BACKSLASH) {
    // psql's SQL lexer reads `\;` and `\:` as a plain `;` and `:` (no command, no variable).
    const next = text.charCodeAt(i + 1);
    if (next === 0x3b || next === COLON) return i + 2;
    const cmd = readMetaToken(text, i, lineAt(i));
    if (!cmd) return i + 2;
    const { end } = cmd; // before the sink moves the token to where it is in the whole text
    out.push(cmd);
    return end;
  }
  if (code === COLON) return readColon(text, i, lineAt, out);
  const c = text[i];
  if (code === QUOTE && !isEscapeString(text, i)) {
    const { end, ambiguous: at } = plainQuoteEnd(text, i);
    if (at !== undefined)
      out.push({ kind: 'ambiguous', cause: 'backslash', line: lineAt(at), start: i, end, at });
    return end;
  }
  if (c === '$' && dollarAfterNumber(text, i, wordStart)) {
    out.push({ kind: 'ambiguous', cause: 'dollar', line: lineAt(i), start: i, end: i + 1, at: i });
    return i + 1;
  }
  if (code === DASH && text.charCodeAt(i + 1) === DASH && exponentBefore(text, i, wordStart)) {
    out.push({
      kind: 'ambiguous',
      cause: 'exponent',
      line: lineAt(i),
      start: i,
      end: i + 2,
      at: i,
    });
    return i + 1; // psql goes on from the second `-`
  }
  return skipLiteralOrComment(text, i) ?? i + 1;
}

/** Past `::` (a cast) or `:name` (reported); `:'name'` and `:"name"` are quoted, and safe. */
function readColon(
  text: string,
  at: number,
  lineAt: (at: number) => number,
  out: TokenSink,
): number {
  if (text.charCodeAt(at + 1) === COLON) return at + 2;
  let k = at + 1;
  while (VARIABLE_CHAR[text.charCodeAt(k)] === 1) k++;
  if (k > at + 1)
    out.push({
      kind: 'variable',
      name: text.slice(at + 1, k),
      line: lineAt(at),
      start: at,
      end: k,
    });
  return k;
}

import { copyEndStarts, type PsqlToken, scanPsqlTo } from '../scan/scanner.js';
import { liveVariants, type MaskedLine } from './client-encodings.js';

export { liveVariants };

/**
 * One line of a script read every way psql might read it, from every state the readings so
 * far left the line start in (lib/psql/guard/hidden-commands.ts walks the lines).
 */

/** A place where psql, reading the script otherwise than the scan, finds what the scan does not. */
export interface HiddenCommand {
  /** 1-based line where it is found. */
  line: number;
  /** What psql could find there: `\!`, `:name`, or a literal that may not end where it seems. */
  found: string;
  /** Why psql would read it so: the line it read otherwise first, and how. */
  from: From;
}

/**
 * psql read `line` masked under these client encodings; or, with `copy`, took the lines up to
 * `line` (a `\.`) as COPY ... FROM STDIN data, which it does not lex, or did not; or, with
 * `dropped`, dropped the rest of `line` after a command that failed.
 */
export type From =
  | { line: number; encodings: string }
  | { line: number; copy: true }
  | { line: number; dropped: true };

/**
 * What takes psql back to SQL on the line after a command: `\\`, and `\;` or `\:`, which its
 * SQL lexer reads as a plain `;` or `:`. If the command fails, psql drops all that instead.
 */
export const BACK_TO_SQL = /\\[\\;:]/;

/** How many ways to have a line start (open literals, comments) before giving up: crafted text. */
export const MAX_STATES = 16;

/**
 * What the scan of the whole text already knows of the reference's reading of a line: the state
 * the next line starts in, and whether it found a command on the line. Given, the line is not
 * lexed again from the reference's state unless another reading finds something hazardous.
 */
export interface ScannedLine {
  reopen: string;
  command: boolean;
}

/** Reads a line every way from every state: what it finds, or the states it leaves. */
export function readLine(
  line: string,
  lineNo: number,
  reference: string,
  others: Map<string, From>,
  hazardous: (token: PsqlToken) => boolean,
  variants: MaskedLine[] = liveVariants(line),
  scanned?: ScannedLine,
): { hidden: HiddenCommand } | { reference: string; others: Map<string, From> } {
  // Only `\.` lines leave more (a line read every way leaves at most as many): reading the line
  // from each state would cost its length once per state seen before, and almost never ends
  // them in few enough states.
  if (others.size > MAX_STATES) return tooMany(lineNo, others);
  // The reference's own lexing, once, when the scan's result is not given or its tokens matter.
  let lexed: ReturnType<typeof scanLine> | undefined;
  const lexReference = () => {
    lexed ??= scanLine(reference, line);
    return lexed;
  };
  const ref = scanned ?? { reopen: lexReference().reopen, command: hasMeta(lexReference().tokens) };
  // What the reference finds matters only once another reading finds something hazardous.
  let known: Set<string> | undefined;
  const knownTokens = () => {
    known ??= new Set(lexReference().tokens.map((t) => tokenKey(t, reference)));
    return known;
  };
  const ends: ReadingEnd[] = [];
  for (const reading of readingsOf(line, variants, reference, others, lineNo)) {
    const read = inert(reading.state, reading.text) ?? scanLine(reading.state, reading.text);
    const extra = read.tokens.find(
      (t) => hazardous(t) && !knownTokens().has(tokenKey(t, reading.state)),
    );
    if (extra) return { hidden: { line: lineNo, found: describe(extra), from: reading.from } };
    ends.push({ reopen: read.reopen, from: reading.from, command: hasMeta(read.tokens) });
  }
  const next = statesAfter(ref, BACK_TO_SQL.test(line), ends, lineNo);
  if (next.size > MAX_STATES) return tooMany(lineNo, next);
  return { reference: ref.reopen, others: next };
}

/** Where one reading of a line leaves it: the state the next line starts in, and whether it found a command. */
export interface ReadingEnd {
  reopen: string;
  from: From;
  command: boolean;
}

/**
 * The states other readings start the next line in, each with where such a reading first left,
 * after a line the reference ends as `ref` says and other readings as `ends` say, in order. A
 * state the reference is in joins it. `drops`: the line has a `\\`, `\;` or `\:`, and a command
 * on it that fails makes psql drop the rest of the line, SQL after them too: then the line may
 * also end in nothing open.
 */
export function statesAfter(
  ref: ScannedLine,
  drops: boolean,
  ends: ReadingEnd[],
  lineNo: number,
): Map<string, From> {
  const next = new Map<string, From>();
  const goOn = (state: string, from: From) => {
    if (state !== ref.reopen && !next.has(state)) next.set(state, from);
  };
  if (drops && ref.command) goOn('', { line: lineNo, dropped: true });
  for (const end of ends) {
    goOn(end.reopen, end.from);
    if (drops && end.command) goOn('', end.from);
  }
  return next;
}

function tooMany(lineNo: number, states: Map<string, From>): { hidden: HiddenCommand } {
  const from = states.values().next().value as From;
  return { hidden: { line: lineNo, found: 'too many ways to read it', from } };
}

const hasMeta = (tokens: PsqlToken[]) => tokens.some((t) => t.kind === 'meta');

/** The line read masked from the reference's state, and every way from the other states. */
function readingsOf(
  line: string,
  variants: MaskedLine[],
  reference: string,
  others: Map<string, From>,
  lineNo: number,
): Array<{ state: string; text: string; from: From }> {
  const out: Array<{ state: string; text: string; from: From }> = [];
  for (const v of variants)
    out.push({ state: reference, text: v.text, from: { line: lineNo, encodings: v.encodings } });
  for (const [state, from] of others) {
    out.push({ state, text: line, from });
    for (const v of variants) out.push({ state, text: v.text, from });
  }
  return out;
}

/**
 * A line that cannot end what is open finds nothing and leaves it open: no quote in it for a
 * literal, no `*` for a comment, no `$` for a dollar-quoted body. Spares most lines most scans.
 */
function inert(state: string, line: string): ReturnType<typeof scanLine> | undefined {
  if (state === '' || line.includes(closerOf(state))) return undefined;
  return { tokens: [], reopen: state };
}

/** The character that could end what `state` has open (nothing open: a newline, always there). */
export function closerOf(state: string): string {
  if (state === '') return '\n';
  if (state.endsWith("'")) return "'";
  if (state === '"') return '"';
  return state.startsWith('/*') ? '*' : '$';
}

/** Tokens of one line lexed from a state. */
function scanLine(state: string, line: string) {
  const text = `${state}${line}\n`;
  // One line holds no `\.` line but at its start, from nothing open: no search for one.
  const copyEnds = state === '' && line.startsWith('\\.') ? copyEndStarts(text) : [];
  return scanPsqlTo(text, undefined, undefined, copyEnds);
}

/** A token by what it is and where it is in its line (lexed after `state`). */
function tokenKey(token: PsqlToken, state: string): string {
  const at = (offset: number) => offset - state.length;
  if (token.kind === 'meta') return `meta ${at(token.start)} ${at(token.end)} ${token.name}`;
  if (token.kind === 'variable') return `variable ${at(token.start)} ${token.name}`;
  return `ambiguous ${at(token.at)}`;
}

function describe(token: PsqlToken): string {
  if (token.kind === 'meta') return `the meta-command \\${token.name}`;
  if (token.kind === 'variable') return `:${token.name} unquoted`;
  if (token.cause === 'dollar') return 'a dollar quote after a number';
  return token.cause === 'exponent' ? '-- after a number' : 'a backslash before a quote';
}

import { type MaskedLine, maskedLineStarts, maskedVariants } from './client-encodings.js';
import { type PsqlToken, scanPsqlTo } from './scanner.js';

/** A place where psql, under a client encoding a script can switch to, finds what the scan does not. */
export interface EncodingHazard {
  /** 1-based line where it is found. */
  line: number;
  /** What psql could find there: `\!`, `:name`, or a literal that may not end where it seems. */
  found: string;
  /** The line psql would read differently first, and the encodings that read it so. */
  from: { line: number; encodings: string };
}

/** How many ways to have a line start (open literals, comments) before giving up: crafted text. */
const MAX_STATES = 16;

type From = EncodingHazard['from'];

/** What can open or close a literal or comment, or be found: lines without any read alike. */
const LEXICAL = /['"$\-/*\\:]/;

/**
 * Follows every way psql could lex `text` when the script may switch the client encoding at any
 * line (lib/psql/client-encodings.ts). Between lines, psql's lexer carries only what is open: a
 * literal, a dollar-quoted body, a comment, or nothing. The reference reading takes every line
 * as it is (UTF-8 and every other server encoding); other readings take some lines masked and
 * may be left in other states, which later lines continue from. A reading that finds a
 * meta-command or an ambiguous literal the reference does not, or an unquoted `:name` that
 * `mayHoldBackslash`, is a hazard: psql would run what the scan never checked.
 *
 * Cost: none for ASCII text or text with nothing to find (no backslash, no such `:name`); else
 * one more scan up to the last such thing, and a few per line where readings differ.
 */
export function encodingHazard(
  text: string,
  mayHoldBackslash: (name: string) => boolean,
): EncodingHazard | undefined {
  const stop = lastFindable(text, mayHoldBackslash);
  if (stop < 0) return undefined;
  const noisy = maskedLineStarts(text);
  let nextNoisy = 0;
  let reference = '';
  /** States other readings leave a line in, each with where such a reading first left. */
  let others = new Map<string, From>();
  let lineNo = 0;
  for (let start = 0; start <= stop; ) {
    if (others.size === 0) {
      // Up to the next line some encoding reads otherwise, all read alike: one stretch.
      while ((noisy[nextNoisy] ?? text.length) < start) nextNoisy++;
      const end = Math.min(noisy[nextNoisy] ?? text.length, text.length);
      reference = scanPsqlTo(reference + text.slice(start, end)).reopen;
      lineNo += newlines(text, start, end);
      start = end;
      if (start > stop) break;
    }
    const nl = text.indexOf('\n', start);
    const line = text.slice(start, nl < 0 ? text.length : nl);
    start = nl < 0 ? text.length : nl + 1;
    lineNo++;
    if (!LEXICAL.test(line)) continue; // every reading leaves each state as it is, finding nothing
    const read = readLine(line, lineNo, reference, others, hazardous);
    if ('hazard' in read) return read.hazard;
    reference = read.reference;
    others = read.others;
  }
  return undefined;

  function hazardous(token: PsqlToken): boolean {
    return token.kind !== 'variable' || mayHoldBackslash(token.name);
  }
}

/** Reads a line every way from every state: what it finds, or the states it leaves. */
function readLine(
  line: string,
  lineNo: number,
  reference: string,
  others: Map<string, From>,
  hazardous: (token: PsqlToken) => boolean,
): { hazard: EncodingHazard } | { reference: string; others: Map<string, From> } {
  const ref = scanLine(reference, line);
  let known: Set<string> | undefined;
  const next = new Map<string, From>();
  for (const reading of readingsOf(line, maskedVariants(line), reference, others, lineNo)) {
    const read = scanLine(reading.state, reading.text);
    if (read.tokens.length > 0) {
      known ??= new Set(ref.tokens.map((t) => tokenKey(t, reference)));
      const extra = read.tokens.find(
        (t) => !known?.has(tokenKey(t, reading.state)) && hazardous(t),
      );
      if (extra) return { hazard: { line: lineNo, found: describe(extra), from: reading.from } };
    }
    if (read.reopen !== ref.reopen && !next.has(read.reopen)) next.set(read.reopen, reading.from);
  }
  if (next.size > MAX_STATES) {
    const from = next.values().next().value as From;
    return { hazard: { line: lineNo, found: 'too many ways to read it', from } };
  }
  return { reference: ref.reopen, others: next };
}

/** The line read masked from the reference's state, and every way from the other states. */
function readingsOf(
  line: string,
  variants: MaskedLine[],
  reference: string,
  others: Map<string, From>,
  lineNo: number,
): Array<{ state: string; text: string; from: From }> {
  const masked = variants.map((v) => ({
    state: reference,
    text: v.text,
    from: { line: lineNo, encodings: v.encodings },
  }));
  const texts = [line, ...variants.map((v) => v.text)];
  const carried = [...others].flatMap(([state, from]) =>
    texts.map((text) => ({ state, text, from })),
  );
  return [...masked, ...carried];
}

/**
 * Where the last thing a reading could find is: a backslash, or a `:name` that may hold one (or
 * has non-ASCII text in it, which a masked reading may read as another name). -1 if none.
 */
function lastFindable(text: string, mayHoldBackslash: (name: string) => boolean): number {
  if (!/[\x80-\xff]/.test(text)) return -1;
  let last = text.lastIndexOf('\\');
  for (const m of text.matchAll(/:([A-Za-z0-9_\x80-\xff]+)/g)) {
    const name = m[1] as string;
    if (m.index > last && (/[\x80-\xff]/.test(name) || mayHoldBackslash(name))) last = m.index;
  }
  return last;
}

function newlines(text: string, from: number, to: number): number {
  let count = 0;
  for (let k = text.indexOf('\n', from); k >= 0 && k < to; k = text.indexOf('\n', k + 1)) count++;
  return count;
}

/** Tokens of one line lexed from a state. */
function scanLine(state: string, line: string) {
  return scanPsqlTo(`${state}${line}\n`);
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
  return 'a backslash before a quote';
}

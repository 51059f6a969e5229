import { charLength, inertAt, MEASURES } from './char-measures.js';

/**
 * Which lines of a text the client-only encodings read otherwise (lib/psql/guard/client-encodings.ts),
 * in one pass over the text for all of them. A line without a byte of 0x80 or above reads the
 * same under every encoding, and every way to measure takes an ASCII byte alone; so only runs of
 * high bytes can start a character that masks anything, and what they mask is the ASCII bytes
 * right after them. The text is searched for such runs (a regular expression: native speed), and
 * each way to measure walks each run and the few bytes it takes after it, on offsets into the
 * text: no line is cut out, no masked copy made.
 */
export interface MaskedLines {
  /** Starts of the lines where some encoding masks an ASCII byte (maskedVariants), in order. */
  starts: number[];
  /** Those of them where a masked reading may lex otherwise (liveVariants is not empty). */
  live: number[];
}

/** A byte a multibyte character can start with (high(), in lib/psql/guard/char-measures.ts). */
const HIGH = /[\x80-\uffff]/g;

export function maskedLines(text: string): MaskedLines {
  const found: MaskedLines = { starts: [], live: [] };
  /** Per way to measure: the ASCII bytes it masks on the current line, and where it is. */
  const masked: number[][] = MEASURES.map(() => []);
  const next = MEASURES.map(() => 0);
  let dirty = false;
  let lineEnd = -1;
  // test() moves lastIndex past the match and makes no match object.
  const high = new RegExp(HIGH.source, 'g');
  while (high.test(text)) {
    const from = high.lastIndex - 1;
    let to = from + 1;
    while (to < text.length && text.charCodeAt(to) >= 0x80) to++;
    if (from > lineEnd) {
      if (dirty) {
        endLine(text, lineEnd, masked, found);
        for (const at of masked) at.length = 0;
        dirty = false;
      }
      const nl = text.indexOf('\n', to);
      lineEnd = nl < 0 ? text.length : nl;
    }
    for (let m = 0; m < MEASURES.length; m++)
      dirty = measureAt(m, text, from, to, next, masked[m] as number[]) || dirty;
    high.lastIndex = to;
  }
  if (dirty) endLine(text, lineEnd, masked, found);
  return found;
}

/**
 * Measure `m` over the run of high bytes from `from` to `to`: where its last character ends goes
 * into `next[m]`, and the ASCII bytes it masks past the run into `at`. Whether it masked any.
 */
function measureAt(
  m: number,
  text: string,
  from: number,
  to: number,
  next: number[],
  at: number[],
): boolean {
  if ((next[m] as number) >= to) return false; // the run is inside a character before it
  const end = measureRun(m, text, from, to, next[m] as number);
  if (end <= to) {
    next[m] = end;
    return false;
  }
  const before = at.length;
  next[m] = maskTail(text, to, end, at);
  return at.length > before;
}

/**
 * Where measure `m`'s last character that starts in the run of high bytes from `from` to `to`
 * ends, starting from `next` (where its character before ended, if inside the run). Inside the
 * run every byte is high: only where the last character ends can be past it.
 */
function measureRun(m: number, text: string, from: number, to: number, next: number): number {
  let p = Math.max(next, from);
  while (p < to) p += charLength(m, text, p);
  return p;
}

/**
 * Notes in `at` the ASCII bytes from `to` (where a run of high bytes ends) up to `end` (where
 * a character that started in it ends): they are its trailing bytes, masked. A newline ends
 * the character first (psql measures within a line). Returns where the character ends.
 */
function maskTail(text: string, to: number, end: number, at: number[]): number {
  let p = to;
  for (; p < end && p < text.length; p++) {
    const b = text.charCodeAt(p);
    if (b === 0x0a) break;
    if (b < 0x80) at.push(p);
  }
  return p;
}

/** A line some measure masks ASCII bytes of: noted, and whether a masked reading moves. */
function endLine(text: string, lineEnd: number, masked: number[][], found: MaskedLines): void {
  const lineStart = text.lastIndexOf('\n', lineEnd - 1) + 1;
  found.starts.push(lineStart);
  for (let m = 0; m < masked.length; m++) {
    const at = masked[m] as number[];
    // Measures often mask the same bytes (a space after a three-byte character): read once.
    if (readBefore(masked, m)) continue;
    for (const p of at)
      if (!inertAt(text, lineStart, lineEnd, p, at)) {
        found.live.push(lineStart);
        return;
      }
  }
}

/** Whether a measure before `m` masks the same bytes as `m` does. */
function readBefore(masked: number[][], m: number): boolean {
  for (let k = 0; k < m; k++) if (same(masked[k] as number[], masked[m] as number[])) return true;
  return false;
}

function same(a: number[], b: number[]): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}

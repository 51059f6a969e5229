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
  live: Set<number>;
}

/** A byte a multibyte character can start with (high(), in lib/psql/guard/char-measures.ts). */
const HIGH = /[\x80-\uffff]/g;

export function maskedLines(text: string): MaskedLines {
  const starts: number[] = [];
  const live = new Set<number>();
  /** Per way to measure: the ASCII bytes it masks on the current line, and where it is. */
  const masked = MEASURES.map(() => [] as number[]);
  const next = MEASURES.map(() => 0);
  let lineStart = 0;
  let lineEnd = -1;
  const endLine = () => {
    let some = false;
    let moves = false;
    for (const at of masked) {
      if (at.length === 0) continue;
      // Where the line starts matters only for a line with masked bytes, most have none.
      if (!some) lineStart = text.lastIndexOf('\n', lineEnd - 1) + 1;
      some = true;
      for (let k = 0; k < at.length && !moves; k++)
        moves = !inertAt(text, lineStart, lineEnd, at[k] as number, at);
      at.length = 0;
    }
    if (some) starts.push(lineStart);
    if (moves) live.add(lineStart);
  };
  // test() moves lastIndex past the match and makes no match object.
  const high = new RegExp(HIGH.source, 'g');
  while (high.test(text)) {
    const from = high.lastIndex - 1;
    let to = from + 1;
    while (to < text.length && text.charCodeAt(to) >= 0x80) to++;
    if (from > lineEnd) {
      if (lineEnd >= 0) endLine();
      const nl = text.indexOf('\n', to);
      lineEnd = nl < 0 ? text.length : nl;
    }
    for (let m = 0; m < MEASURES.length; m++)
      next[m] = measureRun(m, text, from, to, next[m] as number, masked[m] as number[]);
    high.lastIndex = to;
  }
  if (lineEnd >= 0) endLine();
  return { starts, live };
}

/**
 * Walks the run of high bytes from `from` to `to` a character at a time as measure `m` does,
 * from `next` (where its last character ended, if inside the run) and notes in `at` each ASCII
 * byte it takes as a trailing byte (a newline never is one: psql measures within a line).
 * Returns where its last character ends.
 */
function measureRun(m: number, text: string, from: number, to: number, next: number, at: number[]) {
  let p = Math.max(next, from);
  while (p < to) {
    const end = p + charLength(m, text, p);
    for (p++; p < end && p < text.length; p++) {
      const b = text.charCodeAt(p);
      if (b === 0x0a) break;
      if (b < 0x80) at.push(p);
    }
  }
  return p;
}

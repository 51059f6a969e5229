import { charLength } from '../guard/char-measures.js';

/**
 * How psql reads the arguments of `\copy` (parse_slash_copy in src/bin/psql/copy.c), to find
 * its direction and source where psql does. Not as other meta-commands' arguments: psql takes
 * the table name with `"` quotes (a quoted name may hold ` from stdin `), a query in
 * parentheses with `'` and `"` quotes, and then the word FROM or TO at a fixed place; the
 * source is the token right after it. Inside quotes psql steps a character at a time by the
 * client encoding's measure (strtokx in src/bin/psql/stringutils.c, PQmblenBounded), for every
 * encoding: a byte read as a character's lead can take a closing quote into the character.
 * Text is latin1 (one character per byte), as in lib/psql/scan/scanner.ts.
 */
export interface CopyReading {
  direction: 'from' | 'to';
  /** The token after FROM or TO, quotes as written. */
  source: string;
}

type Measure = (text: string, at: number) => number;

const b = (text: string, at: number) => text.charCodeAt(at);
/** Every client encoding's measure (src/common/wchar.c) that can take an ASCII byte along. */
const MEASURES: Measure[] = [
  () => 1, // single-byte encodings
  (t, p) => {
    const c = b(t, p); // pg_utf_mblen
    if (c < 0x80) return 1;
    if ((c & 0xe0) === 0xc0) return 2;
    if ((c & 0xf0) === 0xe0) return 3;
    return (c & 0xf8) === 0xf0 ? 4 : 1;
  },
  (t, p) => charLength(0, t, p), // SJIS, SHIFT_JIS_2004
  (t, p) => charLength(1, t, p), // BIG5, GBK, UHC
  (t, p) => charLength(2, t, p), // JOHAB, EUC_JP, EUC_CN, EUC_KR (pg_euc_mblen)
  (t, p) => charLength(3, t, p), // GB18030
  (t, p) => {
    const c = b(t, p); // pg_euctw_mblen
    if (c < 0x80) return 1;
    return c === 0x8e ? 4 : c === 0x8f ? 3 : 2;
  },
  (t, p) => {
    const c = b(t, p); // pg_mule_mblen
    if (c >= 0x81 && c <= 0x8d) return 2;
    if (c >= 0x90 && c <= 0x9b) return 3;
    return c === 0x9c || c === 0x9d ? 4 : 1;
  },
];

const WHITESPACE = ' \t\n\r';

/** psql's strtokx over one string: a token at a time from `pos`. */
class Tokens {
  pos = 0;
  constructor(
    private readonly text: string,
    private readonly measure: Measure,
  ) {}

  next(delims: string, quotes: string, esc = ''): string | undefined {
    const { text } = this;
    while (this.pos < text.length && WHITESPACE.includes(text[this.pos] as string)) this.pos++;
    const start = this.pos;
    if (start >= text.length) return undefined;
    const c = text[start] as string;
    if (delims.includes(c)) {
      this.pos++;
      return c;
    }
    if (quotes.includes(c)) {
      let p = start + 1;
      while (p < text.length) {
        const q = text[p];
        if (q === esc && p + 1 < text.length) p++;
        else if (q === c && text[p + 1] === c) p++;
        else if (q === c) {
          p++;
          break;
        }
        p += Math.max(1, Math.min(this.measure(text, p), text.length - p));
      }
      this.pos = Math.min(p, text.length);
      return text.slice(start, this.pos);
    }
    let p = start;
    while (p < text.length && !`${WHITESPACE}${delims}${quotes}`.includes(text[p] as string)) p++;
    this.pos = p;
    return text.slice(start, p);
  }
}

/** `\copy` read as psql reads it under one measure; undefined where psql reports an error. */
function readCopy(args: string, measure: Measure, esc: string): CopyReading | undefined {
  const tokens = new Tokens(args, measure);
  const name = () => tokens.next('.,()', '"');
  if (name() === '(' && !pastQuery(tokens, esc)) return undefined;
  let token = name();
  if (token === '.') {
    if (name() === undefined) return undefined;
    token = name();
  }
  if (token === '(') {
    do token = tokens.next('()', '"');
    while (token !== undefined && token !== ')');
    token = name();
  }
  const direction = token?.toLowerCase();
  if (direction !== 'from' && direction !== 'to') return undefined;
  const source = tokens.next(';', "'");
  return source === undefined ? undefined : { direction, source };
}

/** Past a query in parentheses (the `(` taken): whether its `)` came. */
function pastQuery(tokens: Tokens, esc: string): boolean {
  for (let parens = 1; parens > 0; ) {
    const token = tokens.next('()', `"'`, esc);
    if (token === undefined) return false;
    if (token === '(') parens++;
    else if (token === ')') parens--;
  }
  return true;
}

/**
 * Every way psql may read `args`: under each client encoding's measure, with backslashes in
 * a query's literals escaping or not (standard_conforming_strings). Distinct readings only;
 * empty where psql reads none (it reports an error and runs nothing).
 */
export function copyReadings(args: string): CopyReading[] {
  const out = new Map<string, CopyReading>();
  const measures = /[\x80-\xff]/.test(args) ? MEASURES : MEASURES.slice(0, 1);
  for (const measure of measures)
    for (const esc of ['', '\\']) {
      const read = readCopy(args, measure, esc);
      if (read) out.set(`${read.direction} ${read.source}`, read);
    }
  return [...out.values()];
}

/**
 * Where the SQL constructs that hide a backslash from psql's meta-command rule end, as psql's
 * lexer (psqlscan.l) reads them: quoted literals ('...', E'...', "..."), dollar-quoted bodies
 * ($tag$...$tag$) and comments (-- and nested /* *\/). lib/psql/scan/scanner.ts walks a script with
 * them. Offsets are into text read as latin1 (a byte a character).
 */

/** A character of an identifier or a number, as psql's lexer takes them in. */
const IDENT = /[A-Za-z0-9_$\x80-\xff]/;
/** IDENT by character code (1: in it), for the loops that run over every character. */
const IDENT_CODE = new Uint8Array(256);
for (let b = 0; b < 256; b++) IDENT_CODE[b] = IDENT.test(String.fromCharCode(b)) ? 1 : 0;
/** Whether the character at `at` (none outside the text) is one of an identifier or number. */
const identAt = (text: string, at: number) => IDENT_CODE[text.charCodeAt(at)] === 1;
const DOLLAR_TAG = /^\$([A-Za-z_\x80-\xff][A-Za-z0-9_\x80-\xff]*)?\$/;

/**
 * A dollar-quote opener glued to a word that starts with a digit or `$` (a number, `$1`) or
 * follows a colon (`:x$$`, a variable to psql, `::x$$` a cast):
 * psql's lexer ends such a word before the `$` where a letter-led identifier would take it in
 * (`1$$ ' $$; \\! ls` runs ls), and what a number takes in changed between versions.
 */
export function dollarAfterNumber(
  text: string,
  i: number,
  wordStart: (end: number) => number = wordStarts(text),
): boolean {
  if (!IDENT.test(text[i - 1] ?? '') || !DOLLAR_TAG.test(text.slice(i, i + 64))) return false;
  const k = wordStart(i);
  // After `:name`, psql's variable rule has taken the name and the `$` starts afresh.
  return /[0-9$]/.test(text[k] as string) || text[k - 1] === ':';
}

/**
 * Whether the `--` at `i` follows a number's exponent marker (`1e`, `1.5E`, `.5e`, `1.e`):
 * psql's lexer takes `1e-` as one token (realfail in psqlscan.l, an exponent with no digits),
 * so the first `-` is the number's and no comment starts there. A digit-led word ending in
 * `e` counts whatever else is in it (`1_0e`, a number from PostgreSQL 16 on; `0x1Fe`): such
 * text is refused, not read one way.
 */
export function exponentBefore(
  text: string,
  i: number,
  wordStart: (end: number) => number = wordStarts(text),
): boolean {
  const e = text.charCodeAt(i - 1);
  if (e !== 0x65 && e !== 0x45) return false;
  const k = wordStart(i);
  const digit = (at: number) => /[0-9]/.test(text[at] ?? '');
  return digit(k) || (text[k - 1] === '.' && digit(k - 2));
}

/**
 * Where the word (identifier or number) that ends just before an offset starts. It remembers
 * the last answer, so a scan going forward walks back over each word once: walking back from
 * every `$` of a long word (`x$a$a$a...`) made the scan quadratic.
 */
export function wordStarts(text: string): (end: number) => number {
  let knownEnd = -1;
  let knownStart = 0;
  return (end) => {
    let k = end;
    while (k > 0 && IDENT.test(text[k - 1] as string)) {
      if (k === knownEnd) {
        k = knownStart;
        break;
      }
      k--;
    }
    knownEnd = end;
    knownStart = k;
    return k;
  };
}

/** What reopens the construct starting at `i` that runs to the end of the text. */
export function reopening(text: string, i: number): string {
  const c = text[i];
  if (c === "'") return isEscapeString(text, i) ? "E'" : "'";
  if (c === '"') return '"';
  if (c === '$') return DOLLAR_TAG.exec(text.slice(i, i + 64))?.[0] ?? '';
  if (c === '/' && text[i + 1] === '*') return '/*'.repeat(blockComment(text, i).depth);
  return '';
}

/** The end of a comment, quoted literal or dollar-quoted body starting at `i`, if one does. */
export function skipLiteralOrComment(text: string, i: number): number | undefined {
  const c = text[i];
  const next = text[i + 1];
  if (c === '-' && next === '-') return dashCommentEnd(text, i);
  if (c === '/' && next === '*') return blockCommentEnd(text, i);
  if (c === "'") return quoteEnd(text, i, "'", true);
  if (c === '"') return quoteEnd(text, i, '"', false);
  if (c === '$' && !IDENT.test(text[i - 1] ?? '')) return dollarQuoteEnd(text, i);
  return undefined;
}

/**
 * psql's lexer ends a `--` comment at a carriage return as well as at a newline, and lexes the
 * rest of the line: `-- hi<CR>\! ls` runs ls. One pass up to whichever comes first: looking for
 * the next carriage return anywhere in the text made every comment line cost the whole text.
 */
function dashCommentEnd(text: string, from: number): number {
  for (let k = from + 2; k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (c === 10 || c === 13) return k;
  }
  return text.length;
}

/**
 * E'...' (or e'...') strings treat backslash as an escape; E must start a token. After `:` the
 * E is a variable's name to psql (`:E'`), and after `.` it may end a number (`1.E'`, one token
 * to psql 15): such a literal is read plain, which refuses any backslash before a quote in it,
 * so it is safe whichever way psql reads it.
 */
export function isEscapeString(text: string, quote: number): boolean {
  const e = text.charCodeAt(quote - 1);
  if (e !== 0x45 && e !== 0x65) return false;
  const before = text.charCodeAt(quote - 2);
  return !identAt(text, quote - 2) && before !== 0x3a && before !== 0x2e;
}

/** A '...' literal as psql reads it by default; where it would read it otherwise, if anywhere. */
export function plainQuoteEnd(text: string, from: number): { end: number; ambiguous?: number } {
  let ambiguous: number | undefined;
  // From quote to quote (indexOf: most of a literal is passed natively); the backslashes right
  // before a quote are counted back from it, which no quote is among.
  for (let k = text.indexOf("'", from + 1); k >= 0; k = text.indexOf("'", k + 1)) {
    let before = k - 1;
    while (before > from && text.charCodeAt(before) === 0x5c) before--;
    if ((k - 1 - before) % 2 === 1) ambiguous ??= k;
    if (text.charCodeAt(k + 1) !== 0x27) return { end: k + 1, ambiguous };
    k++;
  }
  return { end: text.length, ambiguous };
}

function dollarQuoteEnd(text: string, i: number): number | undefined {
  const tag = DOLLAR_TAG.exec(text.slice(i, i + 64));
  if (!tag) return undefined;
  const close = text.indexOf(tag[0], i + tag[0].length);
  return close < 0 ? text.length : close + tag[0].length;
}

function blockCommentEnd(text: string, from: number): number {
  return blockComment(text, from).end;
}

/** Where a (nested) block comment ends, and how deep it still is there if it runs out. */
function blockComment(text: string, from: number): { end: number; depth: number } {
  let depth = 0;
  for (let k = from; k < text.length - 1; k++) {
    const c = text.charCodeAt(k);
    if (c === 0x2f && text.charCodeAt(k + 1) === 0x2a) {
      depth++;
      k++;
    } else if (c === 0x2a && text.charCodeAt(k + 1) === 0x2f) {
      depth--;
      k++;
      if (depth === 0) return { end: k + 1, depth };
    }
  }
  return { end: text.length, depth };
}

function quoteEnd(text: string, from: number, quote: string, backslashEscapes: boolean): number {
  const q = quote.charCodeAt(0);
  for (let k = from + 1; k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (backslashEscapes && c === 0x5c) k++;
    else if (c === q) {
      if (text.charCodeAt(k + 1) === q) k++;
      else return k + 1;
    }
  }
  return text.length;
}

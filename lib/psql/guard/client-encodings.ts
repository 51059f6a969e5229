/**
 * How psql's lexer sees a line under the client-only encodings. For every other encoding psql
 * lexes the bytes as they are, and there a multibyte character is all high bytes, which the
 * lexer treats alike. Under these, a character's trailing bytes may be ASCII, so psql masks them
 * (prepare_buffer in psqlscan.l: the lead byte stays, the others become 0xFF) after measuring
 * each character with the encoding's own rule (src/common/wchar.c). UTF-8 text read under one
 * of them is measured wrongly, and a quote or backslash after it can be masked: the lexer then
 * disagrees with a UTF-8 reading on where a literal ends. A script can switch to one of them at
 * any statement (`SET client_encoding`), and psql applies it from the next line on.
 *
 * Text is latin1 (one character per byte), as in lib/psql/scan/scanner.ts.
 */
type CharLength = (text: string, at: number) => number;

const byte = (text: string, at: number) => text.charCodeAt(at);
const high = (b: number) => b >= 0x80;

/** pg_sjis_mblen: one-byte kana, two-byte kanji. */
const sjis: CharLength = (text, at) => {
  const b = byte(text, at);
  return b >= 0xa1 && b <= 0xdf ? 1 : high(b) ? 2 : 1;
};
/** pg_big5_mblen, pg_gbk_mblen, pg_uhc_mblen: every high byte leads a pair. */
const pairs: CharLength = (text, at) => (high(byte(text, at)) ? 2 : 1);
/** pg_johab_mblen (pg_euc_mblen): SS3 leads three bytes, other high bytes two. */
const johab: CharLength = (text, at) => {
  const b = byte(text, at);
  return b === 0x8f ? 3 : high(b) ? 2 : 1;
};
/** pg_gb18030_mblen: four bytes when the second is a digit, else two. */
const gb18030: CharLength = (text, at) => {
  if (!high(byte(text, at))) return 1;
  const next = byte(text, at + 1);
  return next >= 0x30 && next <= 0x39 ? 4 : 2;
};

/** Each distinct way to measure, with the encodings that measure so. */
const MEASURES: Array<{ encodings: string; length: CharLength }> = [
  { encodings: 'SJIS, SHIFT_JIS_2004', length: sjis },
  { encodings: 'BIG5, GBK, UHC', length: pairs },
  { encodings: 'JOHAB', length: johab },
  { encodings: 'GB18030', length: gb18030 },
];

/** A line as psql's lexer would see it under some client-only encodings. */
export interface MaskedLine {
  encodings: string;
  text: string;
}

/**
 * The ways psql could see `line` (without its newline) that differ from reading it byte for
 * byte in a place the lexer cares about: an ASCII byte masked. Empty for almost every line.
 */
export function maskedVariants(line: string): MaskedLine[] {
  if (!/[\x80-\xff]/.test(line)) return [];
  const out: MaskedLine[] = [];
  for (const { encodings, length } of MEASURES) {
    const text = masked(line, length);
    if (text === undefined) continue;
    const same = out.find((v) => v.text === text);
    if (same) same.encodings += `, ${encodings}`;
    else out.push({ encodings, text });
  }
  return out;
}

/**
 * Where the lines that maskedVariants would find variants of start, in order: one pass per
 * way to measure over the whole text, instead of a look at each line.
 */
export function maskedLineStarts(text: string): number[] {
  const starts = new Set<number>();
  for (const { length } of MEASURES)
    someTrailingByte(text, length, (at, lineStart) => {
      if (!high(byte(text, at))) starts.add(lineStart);
      return false;
    });
  return [...starts].sort((a, b) => a - b);
}

/** The line with trailing bytes masked, or undefined when no ASCII byte is. */
function masked(line: string, length: CharLength): string | undefined {
  if (!someTrailingByte(line, length, (at) => !high(byte(line, at)))) return undefined;
  const bytes = Buffer.from(line, 'latin1');
  someTrailingByte(line, length, (at) => {
    bytes[at] = 0xff;
    return false;
  });
  return bytes.toString('latin1');
}

/**
 * Walks `text` a character at a time as `length` measures them and calls `visit` with each
 * trailing byte and the start of its line (psql measures within a line: a newline is never a
 * trailing byte). Stops when `visit` returns true, and says whether it did.
 */
function someTrailingByte(
  text: string,
  length: CharLength,
  visit: (at: number, lineStart: number) => boolean,
): boolean {
  let lineStart = 0;
  const end = text.length;
  for (let i = 0; i < end; ) {
    // Every measure takes an ASCII byte alone: runs of them are passed in a tight loop, and
    // only a high byte costs a call to the measure.
    let b = byte(text, i);
    while (!high(b)) {
      i++;
      if (b === 0x0a) lineStart = i;
      if (i >= end) return false;
      b = byte(text, i);
    }
    let n = length(text, i);
    for (i++; n > 1 && i < end && byte(text, i) !== 0x0a; n--, i++)
      if (visit(i, lineStart)) return true;
  }
  return false;
}

/** Bytes psql's lexer takes into an identifier (ident_cont in psqlscan.l, less `$`). */
const WORD = new Uint8Array(256);
for (let b = 0; b < 256; b++)
  WORD[b] = /[A-Za-z0-9_]/.test(String.fromCharCode(b)) || b >= 0x80 ? 1 : 0;
/** A masked byte psql may read as part of a word as well as it read the byte itself. */
const INERT = /[A-Za-z0-9_ \t]/;
/** Before a word: what makes its bytes a name (`:name`, `\command`, `$tag$`). */
const NAMING = new Set([':', '\\', '$']);
/** After a word: what reads the word as a prefix (`E'`, `U&'`, `X'`) or a number's end (`1$$`). */
const PREFIXING = new Set(["'", '"', '$', '&']);

/**
 * The masked readings of `line` (maskedVariants) that psql may lex otherwise than the line as
 * it is, from whatever state the line starts in. 0xFF is a byte of an identifier to psql's
 * lexer, and a masked byte always follows its character's lead byte (a high byte, so also part
 * of an identifier). A masked letter, digit, `_`, space or tab therefore only lengthens the word
 * it follows, or joins it to the next one. That changes nothing the lexer acts on (no quote,
 * dollar, comment or backslash moves) unless the word is a name (after `:`, `\` or `$`: a
 * variable, a command, a dollar-quote tag), or what follows the word reads the word's last part
 * (`E'`, `U&'`, `X'`, `1$$`, `$$` after a space). A reading that masks only such inert bytes
 * reads as the line does, and is left out.
 */
export function liveVariants(line: string): MaskedLine[] {
  if (!/[\x80-\xff]/.test(line)) return [];
  const out: MaskedLine[] = [];
  for (const { encodings, length } of MEASURES) {
    const at: number[] = [];
    someTrailingByte(line, length, (k) => {
      if (!high(byte(line, k))) at.push(k);
      return false;
    });
    if (at.length === 0 || at.every((k) => inert(line, k, at))) continue;
    const text = masked(line, length) as string;
    const same = out.find((v) => v.text === text);
    if (same) same.encodings += `, ${encodings}`;
    else out.push({ encodings, text });
  }
  return out;
}

/** Whether masking the ASCII byte at `p` (of the ASCII bytes `at` masked) moves nothing. */
function inert(line: string, p: number, at: number[]): boolean {
  if (!INERT.test(line[p] as string)) return false;
  const word = (k: number) => WORD[byte(line, k)] === 1 || at.includes(k);
  let s = p;
  while (s > 0 && word(s - 1)) s--;
  let e = p + 1;
  while (e < line.length && word(e)) e++;
  if (s > 0 && NAMING.has(line[s - 1] as string)) return false;
  return !(e < line.length && PREFIXING.has(line[e] as string));
}

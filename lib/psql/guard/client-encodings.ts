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

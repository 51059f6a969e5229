/**
 * How the client-only encodings measure a character (src/common/wchar.c), and which masked
 * bytes move nothing psql's lexer acts on: the rules lib/psql/guard/client-encodings.ts reads a
 * line by, and lib/psql/guard/masked-lines.ts finds the lines of a whole text by. Text is latin1
 * (one character per byte), as in lib/psql/scan/scanner.ts.
 */
export type CharLength = (text: string, at: number) => number;

const byte = (text: string, at: number) => text.charCodeAt(at);
export const high = (b: number) => b >= 0x80;

/**
 * The length of the character at `at` as way `m` of MEASURES measures it: pg_sjis_mblen
 * (one-byte kana, two-byte kanji); pg_big5_mblen, pg_gbk_mblen, pg_uhc_mblen (every high byte
 * leads a pair); pg_johab_mblen (pg_euc_mblen: SS3 leads three bytes, other high bytes two);
 * pg_gb18030_mblen (four bytes when the second is a digit, else two). One function with a
 * switch, not one per encoding: the walk over a whole text calls it for every high byte.
 */
export function charLength(m: number, text: string, at: number): number {
  const b = byte(text, at);
  if (!high(b)) return 1;
  if (m === 0) return b >= 0xa1 && b <= 0xdf ? 1 : 2;
  if (m === 1) return 2;
  if (m === 2) return b === 0x8f ? 3 : 2;
  const next = byte(text, at + 1);
  return next >= 0x30 && next <= 0x39 ? 4 : 2;
}

/** Each distinct way to measure, with the encodings that measure so. */
export const MEASURES: Array<{ encodings: string; length: CharLength }> = [
  { encodings: 'SJIS, SHIFT_JIS_2004', length: (text, at) => charLength(0, text, at) },
  { encodings: 'BIG5, GBK, UHC', length: (text, at) => charLength(1, text, at) },
  { encodings: 'JOHAB', length: (text, at) => charLength(2, text, at) },
  { encodings: 'GB18030', length: (text, at) => charLength(3, text, at) },
];

const table = (test: (c: string) => boolean) => {
  const t = new Uint8Array(256);
  for (let b = 0; b < 256; b++) t[b] = test(String.fromCharCode(b)) ? 1 : 0;
  return t;
};
/** Bytes psql's lexer takes into an identifier (ident_cont in psqlscan.l, less `$`). */
const WORD = table((c) => /[A-Za-z0-9_\x80-\xff]/.test(c));
/** A masked byte psql may read as part of a word as well as it read the byte itself. */
const INERT = table((c) => /[A-Za-z0-9_ \t]/.test(c));
/** Before a word: what makes its bytes a name (`:name`, `\command`, `$tag$`). */
const NAMING = table((c) => ':\\$'.includes(c));
/** After a word: what reads the word as a prefix (`E'`, `U&'`, `X'`) or a number's end (`1$$`). */
const PREFIXING = table((c) => `'"$&`.includes(c));

/**
 * Whether masking the ASCII byte at `p` moves nothing, on the line from `start` to `end` (its
 * newline excluded) of `text`, where one way to measure masks the ASCII bytes `at`. 0xFF is a
 * byte of an identifier to psql's lexer, and a masked byte always follows its character's lead
 * byte (a high byte, so also part of an identifier). A masked letter, digit, `_`, space or tab
 * therefore only lengthens the word it follows, or joins it to the next one. That changes
 * nothing the lexer acts on unless the word is a name (after `:`, `\` or `$`), or what follows
 * the word reads the word's last part (`E'`, `U&'`, `X'`, `1$$`, `$$` after a space).
 */
export function inertAt(text: string, start: number, end: number, p: number, at: number[]) {
  if (INERT[byte(text, p)] !== 1) return false;
  let s = p;
  while (s > start && (WORD[byte(text, s - 1)] === 1 || at.includes(s - 1))) s--;
  let e = p + 1;
  while (e < end && (WORD[byte(text, e)] === 1 || at.includes(e))) e++;
  if (s > start && NAMING[byte(text, s - 1)] === 1) return false;
  return !(e < end && PREFIXING[byte(text, e)] === 1);
}

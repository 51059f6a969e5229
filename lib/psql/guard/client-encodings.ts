import { type CharLength, high, inertAt, MEASURES } from './char-measures.js';
import { maskedLines } from './masked-lines.js';

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
const byte = (text: string, at: number) => text.charCodeAt(at);

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
 * Where the lines that maskedVariants would find variants of start, in order
 * (lib/psql/guard/masked-lines.ts: one pass over the text for every way to measure).
 */
export function maskedLineStarts(text: string): number[] {
  return maskedLines(text).starts;
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
  return inertAt(line, 0, line.length, p, at);
}

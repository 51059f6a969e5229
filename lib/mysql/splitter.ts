import { lineCounter } from '../lines.js';

/**
 * Splits a mysql script into statements the way the mysql client does: `DELIMITER` changes the
 * terminator, quotes ('...', "...", `...`, with backslash and doubled-quote escapes) and
 * comments (`-- `, `#`, `/* *\/`) never end a statement, and `/*! ... *\/` executable comments
 * stay in the statement for the server. Client commands at the start of a statement
 * (`DELIMITER`, `source`, `\.`, `USE`, `\u`) are returned separately.
 */
export type Piece =
  | { kind: 'statement'; sql: string; line: number }
  | { kind: 'source'; path: string; line: number }
  | { kind: 'use'; line: number };

export function splitStatements(text: string): Piece[] {
  const out: Piece[] = [];
  const lineAt = lineCounter(text);
  let delimiter = ';';
  let i = 0;
  let start = 0;
  const flush = (end: number) => {
    const raw = text.slice(start, end);
    const sql = raw.trim();
    if (sql === '' || onlyComments(sql)) return;
    out.push({ kind: 'statement', sql, line: lineAt(start + raw.length - raw.trimStart().length) });
  };
  // `blank`: nothing but whitespace and comments since the statement began, so a client
  // command (DELIMITER, source, USE) may stand here.
  let blank = true;
  while (i < text.length) {
    const cmd = blank ? clientCommand(text, i) : undefined;
    if (cmd) {
      if (cmd.delimiter) delimiter = cmd.delimiter;
      if (cmd.piece) out.push({ ...cmd.piece, line: lineAt(i) });
      i = cmd.end;
      start = i;
      continue;
    }
    if (text.startsWith(delimiter, i)) {
      flush(i);
      i += delimiter.length;
      start = i;
      blank = true;
      continue;
    }
    const end = skipQuotedOrComment(text, i);
    if (blank && !/\s/.test(text[i] as string) && !isComment(text, i)) blank = false;
    i = end;
  }
  flush(text.length);
  return out;
}

function lineEnd(text: string, from: number): number {
  const nl = text.indexOf('\n', from);
  return nl < 0 ? text.length : nl;
}

/** The index after the literal or comment that starts at `i`, or i + 1. */
function skipQuotedOrComment(text: string, i: number): number {
  const c = text[i] as string;
  if (c === "'" || c === '"' || c === '`') return quoteEnd(text, i, c);
  if (c === '#') return lineEnd(text, i);
  if (c === '-' && text[i + 1] === '-' && /[\s]/.test(text[i + 2] ?? '\n')) return lineEnd(text, i);
  if (c === '/' && text[i + 1] === '*') {
    const close = text.indexOf('*/', i + 2);
    return close < 0 ? text.length : close + 2;
  }
  return i + 1;
}

function quoteEnd(text: string, from: number, q: string): number {
  for (let k = from + 1; k < text.length; k++) {
    if (text[k] === '\\' && q !== '`') k++;
    else if (text[k] === q) {
      if (text[k + 1] === q) k++;
      else return k + 1;
    }
  }
  return text.length;
}

function isComment(text: string, i: number): boolean {
  const c = text[i];
  if (c === '#') return true;
  if (c === '-') return text[i + 1] === '-' && /\s/.test(text[i + 2] ?? '\n');
  return c === '/' && text[i + 1] === '*' && text[i + 2] !== '!';
}

function onlyComments(sql: string): boolean {
  let i = 0;
  while (i < sql.length) {
    if (/\s/.test(sql[i] as string)) i++;
    else if (sql.startsWith('/*!', i)) return false;
    else if (sql[i] === '#' || sql.startsWith('-- ', i) || sql.startsWith('/*', i))
      i = skipQuotedOrComment(sql, i);
    else return false;
  }
  return true;
}

type ClientPiece = { kind: 'source'; path: string } | { kind: 'use' };

interface ClientCommand {
  end: number;
  delimiter?: string;
  piece?: ClientPiece;
}

/** What a client command starts with; anything else is no client command. */
const CLIENT_COMMAND_START = /delimiter\s|source\s|\\\.\s|use\s|\\u\s/iy;

/** `DELIMITER x`, `source f`, `\. f`, `USE db`, `\u db` at the start of a statement. */
function clientCommand(text: string, i: number): ClientCommand | undefined {
  // Asked at every blank position: its line is read only when a command may start here
  // (reading it each time made 1M statements on one line quadratic).
  CLIENT_COMMAND_START.lastIndex = i;
  if (!CLIENT_COMMAND_START.test(text)) return undefined;
  const end = lineEnd(text, i);
  const lineText = text.slice(i, end);
  const delim = /^delimiter\s+(\S+)/i.exec(lineText);
  if (delim) return { end, delimiter: delim[1] as string };
  const source = /^(?:source|\\\.)\s+/i.exec(lineText);
  const path = source && sourcePath(lineText.slice(source[0].length));
  if (path) return { end, piece: { kind: 'source', path: unquote(path) } };
  if (/^(?:use\s|\\u\s)/i.test(lineText)) return { end, piece: { kind: 'use' } };
  return undefined;
}

/**
 * The file a `source` line names: the rest of the line without trailing blanks and one `;`
 * (a line break other than the newline ends no path: none). Read by trimming, as the pattern
 * /(.+?)\s*;?\s*$/ would take it, which backtracked over every blank of a long line.
 */
function sourcePath(rest: string): string | undefined {
  let path = rest.trimEnd();
  if (path.length > 1 && path.endsWith(';')) path = path.slice(0, -1).trimEnd();
  return path === '' || /[\r\u2028\u2029]/.test(path) ? undefined : path;
}

function unquote(s: string): string {
  const m = /^(['"`])(.*)\1$/.exec(s);
  return m ? (m[2] as string) : s;
}

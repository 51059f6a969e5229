import { dirname, resolve } from 'node:path';
import { invalidArgument } from '../errors.js';
import { countNewlines } from '../lines.js';
import { readSourceFile, unreadableReason } from '../source-file.js';
import { hiddenCommand } from './hidden-commands.js';
import { splitMetaArgs } from './meta-args.js';
import {
  type AmbiguousLiteral,
  type Interpolation,
  type MetaCommand,
  scanPsql,
} from './scanner.js';
import { VariableTaint } from './variables.js';

/** Where a piece of SQL came from: a label for errors and the directory `\ir` is relative to. */
export interface Origin {
  label: string;
  dir: string;
}

export interface Expansion {
  /** The expanded content, byte for byte; its SHA-256 is the step's content hash. */
  chunks: Buffer[];
  /**
   * Every file read (includes and \copy sources), as named and as resolved, for the hash
   * cache's file identities.
   */
  files: string[];
}

const MAX_DEPTH = 32;
const INCLUDE = new Set(['i', 'include']);
const INCLUDE_RELATIVE = new Set(['ir', 'include_relative']);
/** Meta-commands that leave the build database or touch the engine host (SPEC §5.3). */
const FORBIDDEN = new Set([
  'c',
  'connect',
  '!',
  'o',
  'out',
  'w',
  'write',
  'lo_export',
  'lo_import',
  'cd',
  'e',
  'edit',
  'ef',
  'ev',
  'password',
  'getenv',
]);
/** Commands whose optional file argument would write on the host. */
const NO_FILE_ARG = new Set(['g', 'gx', 's']);

// Markers are not valid SQL or psql input, so expanded content cannot collide with plain text.
const BEGIN = Buffer.from('\n\u0000sqlrs:include-begin\u0000\n', 'latin1');
const END = Buffer.from('\n\u0000sqlrs:include-end\u0000\n', 'latin1');
const COPY_FILE = Buffer.from('\n\u0000sqlrs:copy-file\u0000\n', 'latin1');

/**
 * Expands includes recursively and hashes `\copy ... from 'file'` sources, rejecting every
 * meta-command that escapes the build database or touches the host, naming file and line.
 * `cwd` is the step's working directory (what `\i` and `\copy` paths are relative to).
 */
export function expandSql(text: string, origin: Origin, cwd: string): Expansion {
  const exp: Expanding = { chunks: [], files: [], taint: new VariableTaint() };
  expandInto(exp, text, origin, cwd, []);
  return { chunks: exp.chunks, files: exp.files };
}

/** An expansion in progress: what the step's psql variables may hold so far, in text order. */
type Expanding = Expansion & { taint: VariableTaint };

function expandInto(exp: Expanding, text: string, origin: Origin, cwd: string, stack: string[]) {
  refuseNul(text, origin);
  let pos = 0;
  for (const token of scanPsql(text)) {
    if (token.kind !== 'meta') {
      checkSqlToken(exp, token, origin, text);
      continue;
    }
    const cmd = token;
    exp.chunks.push(Buffer.from(text.slice(pos, cmd.start), 'latin1'));
    pos = cmd.end;
    const where = `${origin.label}:${cmd.line}`;
    const fail = (why: string) =>
      invalidArgument(`${where}: \\${cmd.name}: ${why}`, `${where}: ${oneLine(cmd)}`);
    exp.taint.seen(cmd, where);
    refuseForbidden(cmd, fail);
    if (INCLUDE.has(cmd.name) || INCLUDE_RELATIVE.has(cmd.name)) {
      const base = INCLUDE.has(cmd.name) ? cwd : origin.dir;
      includeFile(exp, fileArgument(cmd, fail), base, cwd, stack, fail);
    } else if (cmd.name === 'copy') {
      copySource(exp, cmd, cwd, fail);
    } else {
      exp.chunks.push(Buffer.from(text.slice(cmd.start, cmd.end), 'latin1'));
    }
  }
  exp.chunks.push(Buffer.from(text.slice(pos), 'latin1'));
  refuseHiddenCommand(exp, text, origin);
}

type Fail = (why: string) => Error;

/**
 * psql reads a line as a C string: it ignores what follows a NUL byte on the line, and so can
 * be outside a literal this scan is in (`select '<NUL>';` then `' \\! ls'` ran ls).
 */
function refuseNul(text: string, origin: Origin): void {
  const nul = text.indexOf('\0');
  if (nul < 0) return;
  const where = `${origin.label}:${countNewlines(text, 0, nul) + 1}`;
  throw invalidArgument(
    `${where}: a NUL byte is not allowed: psql ignores the rest of the line after it`,
    where,
  );
}

function refuseForbidden(cmd: MetaCommand, fail: Fail): void {
  if (cmd.args.includes('`')) throw fail('backquotes run shell commands on the engine host');
  if (FORBIDDEN.has(cmd.name))
    throw fail('not allowed: it leaves the build database or touches the host');
  if (cmd.name === 'prompt') throw fail('not allowed: a prepare has no one to ask');
  if (NO_FILE_ARG.has(cmd.name) && hasFileArgument(cmd.args))
    throw fail('writing to a file or pipe is not allowed');
}

/**
 * SQL that psql could read other than this scan does, so that it would find meta-commands the
 * scan did not: an unquoted variable that may hold a backslash (lib/psql/variables.ts), or a
 * literal whose end moves with standard_conforming_strings (lib/psql/scanner.ts).
 */
function checkSqlToken(
  exp: Expanding,
  token: Interpolation | AmbiguousLiteral,
  origin: Origin,
  text: string,
) {
  const where = `${origin.label}:${token.line}`;
  const shown = `${where}: ${text.slice(token.start, token.end).slice(0, 200)}`;
  if (token.kind === 'ambiguous' && token.cause === 'dollar')
    throw invalidArgument(
      `${where}: a dollar quote right after a number, a $n parameter or a :name is not allowed: psql reads it as the start of a dollar-quoted body or as part of the word before it, by version; put a space before it`,
      shown,
    );
  if (token.kind === 'ambiguous')
    throw invalidArgument(
      `${where}: a backslash before a quote in '...' is not allowed: psql ends the literal there only while standard_conforming_strings is on, and a script can turn it off; write it as E'...' (where a backslash is \\\\) or with chr(92)`,
      shown,
    );
  const why = exp.taint.reason(token.name);
  if (why)
    throw invalidArgument(
      `${where}: :${token.name} may hold a backslash (${why}), which psql would run as a meta-command; interpolate it quoted, as :'${token.name}' (a literal) or :"${token.name}" (an identifier)`,
      shown,
    );
}

/**
 * psql may read a file otherwise than the scan: after a switch to a client encoding it lexes
 * differently, or past COPY data it does not lex (lib/psql/hidden-commands.ts). Checked after
 * the file's own tokens, so that their errors come first.
 */
function refuseHiddenCommand(exp: Expanding, text: string, origin: Origin) {
  const hidden = hiddenCommand(text, (name) => exp.taint.everTainted(name));
  if (!hidden) return;
  const where = `${origin.label}:${hidden.line}`;
  const { from } = hidden;
  const why =
    'dropped' in from
      ? `if the meta-command on line ${from.line} failed: psql then drops the rest of that line, which this check read as SQL after \\\\, \\; or \\:. Start that SQL on a line of its own`
      : 'copy' in from
        ? `depending on whether the \\. on line ${from.line} ends COPY ... FROM STDIN data: psql takes such data as it is, not lexed, and this check cannot know where the script starts a COPY. Load such data with \\copy ... from 'file' instead`
        : `if the script switched the client encoding to ${from.encodings} before line ${from.line}: psql then reads the non-ASCII text of line ${from.line} so that it swallows the ASCII character after it, and so does not end literals where this check does. A file that has no backslashes (and no unquoted :LAST_ERROR_MESSAGE) is always fine: move such text to a file of its own and include it with \\ir`;
  throw invalidArgument(`${where}: psql could find ${hidden.found} here ${why}`, where);
}

/** psql reads `~/x` as a file in a home directory, which is not the file this scan would hash. */
function refuseTilde(name: string, fail: Fail): void {
  if (name.startsWith('~'))
    throw fail(`${name}: psql reads ~ as a home directory; write the path out`);
}

function fileArgument(cmd: MetaCommand, fail: Fail): string {
  const arg = splitMetaArgs(cmd.args)[0];
  if (!arg) throw fail('missing file name');
  if (arg.dynamic) throw fail('file names built from psql variables cannot be hashed');
  // psql reads `-` as its standard input, which is no file this scan could read.
  if (arg.value === '-') throw fail('- (standard input) is not allowed: include a file');
  refuseTilde(arg.value, fail);
  return arg.value;
}

function includeFile(
  exp: Expanding,
  name: string,
  base: string,
  cwd: string,
  stack: string[],
  fail: Fail,
) {
  const path = resolve(base, name);
  const { real, content: bytes } = sourceFile(path, fail);
  if (stack.includes(real)) throw fail(`include cycle: ${[...stack, real].join(' -> ')}`);
  if (stack.length >= MAX_DEPTH) throw fail(`includes nested deeper than ${MAX_DEPTH}`);
  const content = bytes.toString('latin1');
  exp.files.push(...new Set([path, real]));
  exp.chunks.push(BEGIN);
  expandInto(exp, content, { label: path, dir: dirname(real) }, cwd, [...stack, real]);
  exp.chunks.push(END);
}

function sourceFile(path: string, fail: Fail): { real: string; content: Buffer } {
  try {
    return readSourceFile(path);
  } catch (err) {
    throw fail(`${path}: ${unreadableReason(err)}`);
  }
}

/**
 * `\copy t from 'file'` reads a file on the host: its content enters the hash (the path does
 * not). `from stdin`/`pstdin` is fine; `to ...` and `program` are refused.
 */
function copySource(exp: Expansion, cmd: MetaCommand, cwd: string, fail: Fail) {
  const tokens = splitMetaArgs(cmd.args);
  const dir = tokens.findIndex((t) => /^(from|to)$/i.test(t.value));
  if (dir < 0) throw fail('expected FROM or TO');
  if (/^to$/i.test(tokens[dir]?.value ?? '')) throw fail('\\copy ... to writes on the engine host');
  const source = tokens[dir + 1];
  if (!source) throw fail('missing source after FROM');
  if (/^program$/i.test(source.value))
    throw fail('\\copy ... program runs a command on the engine host');
  const line = `\\copy ${tokens
    .slice(0, dir + 1)
    .map((t) => t.value)
    .join(' ')}`;
  if (/^p?stdin$/i.test(source.value)) {
    exp.chunks.push(Buffer.from(`\\copy ${cmd.args.trim()}`, 'latin1'));
    return;
  }
  if (source.dynamic) throw fail('file names built from psql variables cannot be hashed');
  refuseTilde(source.value, fail);
  const given = resolve(cwd, source.value);
  const { real, content } = sourceFile(given, fail);
  const rest = tokens
    .slice(dir + 2)
    .map((t) => t.value)
    .join(' ');
  exp.files.push(...new Set([given, real]));
  exp.chunks.push(Buffer.from(`${line} <file> ${rest}`, 'latin1'), COPY_FILE, content, COPY_FILE);
}

/** `\g`, `\gx`, `\s`: any argument outside `(options)` is a file or a pipe. */
function hasFileArgument(args: string): boolean {
  return args.replace(/\([^)]*\)/g, '').trim() !== '';
}

const oneLine = (cmd: MetaCommand) => `\\${cmd.name}${cmd.args}`.slice(0, 200);

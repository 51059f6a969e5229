import { dirname, resolve } from 'node:path';
import { invalidArgument } from '../../errors.js';
import type { ReadJournal } from '../../files/file-identity.js';
import { readSourceFile, unreadableReason } from '../../files/source-file.js';
import { countNewlines } from '../../lines.js';
import {
  checkSqlToken,
  type Fail,
  refuseForbidden,
  refuseHiddenCommand,
  refuseNul,
  refuseTilde,
  VariableTaint,
} from '../guard/index.js';
import type { Inliner } from '../restrict/inline.js';
import { copyReadings } from './copy-args.js';
import { splitMetaArgs } from './meta-args.js';
import type { Origin } from './origin.js';
import { type MetaCommand, type PsqlToken, scanPsqlLines } from './scanner.js';

export interface Expansion {
  /** The expanded content, byte for byte; its SHA-256 is the step's content hash. */
  chunks: Buffer[];
  /**
   * Every file read (includes and \copy sources), as named and as resolved, for the hash
   * cache's file identities.
   */
  files: string[];
}

/** What the step may read, and where an inlined copy of its script goes (restricted mode). */
export interface ExpandOptions {
  /** false: includes and `\copy ... from 'file'` are refused (docs/prepare.md, host files). */
  hostFiles?: boolean;
  /** Gets the script with its includes in place, for a psql under `\restrict`. */
  inline?: Inliner;
  /** Records each file's identity and the bytes read (lib/files/file-identity.ts). */
  journal?: ReadJournal;
  /** The bytes `text` was read from (latin1 of them): the hash takes them without a copy. */
  bytes?: Buffer;
}

const MAX_DEPTH = 32;
const INCLUDE = new Set(['i', 'include']);
const INCLUDE_RELATIVE = new Set(['ir', 'include_relative']);
// Markers are not valid SQL or psql input, so expanded content cannot collide with plain text.
const BEGIN = Buffer.from('\n\u0000sqlrs:include-begin\u0000\n', 'latin1');
const END = Buffer.from('\n\u0000sqlrs:include-end\u0000\n', 'latin1');
const COPY_FILE = Buffer.from('\n\u0000sqlrs:copy-file\u0000\n', 'latin1');

/**
 * Expands includes recursively and hashes `\copy ... from 'file'` sources, rejecting every
 * meta-command that escapes the build database or touches the host, naming file and line.
 * `cwd` is the step's working directory (what `\i` and `\copy` paths are relative to);
 * `variables` its `-v` values (a name without one is unset); `options.journal` records each file's
 * identity as read (lib/files/source-file.ts).
 */
export function expandSql(
  text: string,
  origin: Origin,
  cwd: string,
  variables: Iterable<[string, string | undefined]> = [],
  options: ExpandOptions = {},
): Expansion {
  const exp: Expanding = {
    chunks: [],
    files: [],
    taint: new VariableTaint(variables),
    hostFiles: options.hostFiles ?? true,
    inline: options.inline,
    journal: options.journal,
  };
  expandInto(exp, { text, bytes: options.bytes }, origin, cwd, []);
  return { chunks: exp.chunks, files: exp.files };
}

/** An expansion in progress: what the step's psql variables may hold so far, in text order. */
type Expanding = Expansion & {
  taint: VariableTaint;
  hostFiles: boolean;
  inline?: Inliner;
  journal?: ReadJournal;
};

/** A script as scanned (latin1) and, when read from a file, its bytes (hashed without a copy). */
interface Script {
  text: string;
  bytes?: Buffer;
}

const NO_HOST_FILES =
  'reads a file on the engine host, which this engine does not allow (host_files is off)';

function expandInto(exp: Expanding, script: Script, origin: Origin, cwd: string, stack: string[]) {
  const { text } = script;
  refuseNul(text, origin);
  const { inline } = exp;
  // The text between commands replaced in the hash (includes, \copy) goes in as one chunk:
  // COPY data read as script has a command per row (`\N`), a chunk each cost most of a scan.
  let hashed = 0;
  const hashTo = (end: number) => {
    if (end > hashed) exp.chunks.push(slice(script, hashed, end));
  };
  let pos = 0;
  let posLine = 1;
  // Each token is acted on as the scan finds it (lib/psql/scan/scanner.ts TokenSink).
  const onToken = (token: PsqlToken) => {
    if (token.kind !== 'meta') {
      checkSqlToken(exp.taint, token, origin, text);
      return;
    }
    const cmd = token;
    if (inline) {
      inline.add(text.slice(pos, cmd.start), origin.label, posLine);
      pos = cmd.end;
      posLine = cmd.line + countNewlines(text, cmd.start, cmd.end);
    }
    const fail = commandFail(origin, cmd);
    if (TAINTING.has(cmd.name)) exp.taint.seen(cmd, `${origin.label}:${cmd.line}`);
    refuseForbidden(cmd, fail);
    if (INCLUDE.has(cmd.name) || INCLUDE_RELATIVE.has(cmd.name)) {
      if (!exp.hostFiles) throw fail(`the include ${NO_HOST_FILES}`);
      const base = INCLUDE.has(cmd.name) ? cwd : origin.dir;
      hashTo(cmd.start);
      hashed = cmd.end;
      includeFile(exp, fileArgument(cmd, fail), base, cwd, stack, fail);
    } else if (cmd.name === 'copy') {
      hashTo(cmd.start);
      hashed = cmd.end;
      copySource(exp, cmd, cwd, fail);
      inline?.add(text.slice(cmd.start, cmd.end), origin.label, cmd.line);
    } else if (inline) inlineCommand(inline, text, cmd, origin);
  };
  const scan = scanPsqlLines(text, { push: onToken });
  hashTo(text.length);
  inline?.add(text.slice(pos), origin.label, posLine);
  refuseHiddenCommand(exp.taint, text, origin, scan.lines);
}

/** Makes a meta-command's errors, naming its file and line (only when one is thrown). */
function commandFail(origin: Origin, cmd: MetaCommand): Fail {
  return (why) => {
    const where = `${origin.label}:${cmd.line}`;
    return invalidArgument(`${where}: \\${cmd.name}: ${why}`, `${where}: ${oneLine(cmd)}`);
  };
}

/** A command the hash keeps as it is goes into the inlined script unless the inliner drops it. */
function inlineCommand(inline: Inliner, text: string, cmd: MetaCommand, origin: Origin): void {
  if (!inline.drops(cmd.name, cmd.args))
    inline.add(text.slice(cmd.start, cmd.end), origin.label, cmd.line);
}

/** The meta-commands VariableTaint.seen reads; the others change no variable. */
const TAINTING = new Set(['if', 'endif', 'gset', 'set', 'unset']);

/** Bytes `from` to `to` of a script: a view of the file's bytes where there are some. */
function slice(script: Script, from: number, to: number): Buffer {
  if (script.bytes) return script.bytes.subarray(from, to);
  return Buffer.from(script.text.slice(from, to), 'latin1');
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
  const { real, content: bytes } = sourceFile(path, fail, exp.journal);
  if (stack.includes(real)) throw fail(`include cycle: ${[...stack, real].join(' -> ')}`);
  if (stack.length >= MAX_DEPTH) throw fail(`includes nested deeper than ${MAX_DEPTH}`);
  const content = { text: bytes.toString('latin1'), bytes };
  exp.files.push(...new Set([path, real]));
  exp.chunks.push(BEGIN);
  const scope = exp.taint.enterFile();
  expandInto(exp, content, { label: path, dir: dirname(real) }, cwd, [...stack, real]);
  exp.inline?.endFile();
  exp.taint.leaveFile(scope);
  exp.chunks.push(END);
}

function sourceFile(path: string, fail: Fail, journal?: ReadJournal) {
  try {
    return readSourceFile(path, journal);
  } catch (err) {
    throw fail(`${path}: ${unreadableReason(err)}`);
  }
}

/**
 * `\copy t from 'file'` reads a file on the host: its content enters the hash (the path does
 * not). `from stdin`/`pstdin` is fine; `to ...` and `program` are refused.
 */
function copySource(exp: Expanding, cmd: MetaCommand, cwd: string, fail: Fail) {
  const tokens = splitMetaArgs(cmd.args);
  const dir = tokens.findIndex((t) => /^(from|to)$/i.test(t.value));
  if (dir < 0) throw fail('expected FROM or TO');
  if (/^to$/i.test(tokens[dir]?.value ?? '')) throw fail('\\copy ... to writes on the engine host');
  const source = tokens[dir + 1];
  if (!source) throw fail('missing source after FROM');
  if (/^program$/i.test(source.value))
    throw fail('\\copy ... program runs a command on the engine host');
  refuseOtherCopyReadings(cmd, /^p?stdin$/i.test(source.value) ? 'stdin' : 'file', fail);
  const line = `\\copy ${tokens
    .slice(0, dir + 1)
    .map((t) => t.value)
    .join(' ')}`;
  if (/^p?stdin$/i.test(source.value)) {
    exp.chunks.push(Buffer.from(`\\copy ${cmd.args.trim()}`, 'latin1'));
    return;
  }
  if (!exp.hostFiles) throw fail(`\\copy ... from a file ${NO_HOST_FILES}`);
  if (source.dynamic) throw fail('file names built from psql variables cannot be hashed');
  refuseTilde(source.value, fail);
  // psql refuses \copy under \restrict: the inlined script keeps it for psql to refuse.
  if (exp.inline) return;
  const given = resolve(cwd, source.value);
  const { real, content } = sourceFile(given, fail, (exp as Expanding).journal);
  const rest = tokens
    .slice(dir + 2)
    .map((t) => t.value)
    .join(' ');
  exp.files.push(...new Set([given, real]));
  exp.chunks.push(Buffer.from(`${line} <file> ${rest}`, 'latin1'), COPY_FILE, content, COPY_FILE);
}

/**
 * psql finds the direction and source of `\\copy` by its own rules (lib/psql/scan/copy-args.ts):
 * a quoted table name or a client encoding can put them elsewhere than the split above does.
 * Refused unless every reading psql may make reads from the kind of source found above.
 */
function refuseOtherCopyReadings(cmd: MetaCommand, kind: 'stdin' | 'file', fail: Fail) {
  for (const { direction, source } of copyReadings(cmd.args)) {
    if (direction === 'to') throw fail('\\copy ... to writes on the engine host');
    if (/^program$/i.test(source))
      throw fail('\\copy ... program runs a command on the engine host');
    if ((/^p?stdin$/i.test(source) ? 'stdin' : 'file') !== kind)
      throw fail(`psql reads ${source} as the source of this \\copy, not what it seems to name`);
  }
}

const oneLine = (cmd: MetaCommand) => `\\${cmd.name}${cmd.args}`.slice(0, 200);

import { invalidArgument } from '../../errors.js';
import { countNewlines } from '../../lines.js';
import type { LineStateIndex } from '../scan/line-states.js';
import type { Origin } from '../scan/origin.js';
import type { AmbiguousLiteral, Interpolation, MetaCommand } from '../scan/scanner.js';
import { hiddenCommand } from './hidden-commands.js';
import type { VariableTaint } from './variables.js';

/**
 * What a prepare script may not do, and the errors that say so (docs/prepare.md, "Includes and
 * meta-commands"): meta-commands that leave the build database or touch the engine host, and
 * text psql could read otherwise than the scan, so that it would run a meta-command the scan
 * did not see. lib/psql/scan/expand.ts calls these as it walks a script; each error names file
 * and line.
 */

/** Makes the error for a meta-command, naming it, its file and line. */
export type Fail = (why: string) => Error;

/** Meta-commands that leave the build database or touch the engine host (docs/prepare.md). */
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

/**
 * psql reads a line as a C string: it ignores what follows a NUL byte on the line, and so can
 * be outside a literal this scan is in (`select '<NUL>';` then `' \\! ls'` runs ls).
 */
export function refuseNul(text: string, origin: Origin): void {
  const nul = text.indexOf('\0');
  if (nul < 0) return;
  const where = `${origin.label}:${countNewlines(text, 0, nul) + 1}`;
  throw invalidArgument(
    `${where}: a NUL byte is not allowed: psql ignores the rest of the line after it`,
    where,
  );
}

export function refuseForbidden(cmd: MetaCommand, fail: Fail): void {
  if (cmd.args.includes('`')) throw fail('backquotes run shell commands on the engine host');
  if (FORBIDDEN.has(cmd.name))
    throw fail('not allowed: it leaves the build database or touches the host');
  if (cmd.name === 'prompt') throw fail('not allowed: a prepare has no one to ask');
  if (NO_FILE_ARG.has(cmd.name) && hasFileArgument(cmd.args))
    throw fail('writing to a file or pipe is not allowed');
}

/**
 * SQL that psql could read other than this scan does, so that it would find meta-commands the
 * scan did not: an unquoted variable that may hold a backslash (lib/psql/guard/variables.ts), or a
 * literal whose end moves with standard_conforming_strings (lib/psql/scan/scanner.ts).
 */
export function checkSqlToken(
  taint: VariableTaint,
  token: Interpolation | AmbiguousLiteral,
  origin: Origin,
  text: string,
) {
  if (token.kind === 'variable' && !taint.reason(token.name)) return; // the usual case, first
  const where = `${origin.label}:${token.line}`;
  const shown = `${where}: ${text.slice(token.start, token.end).slice(0, 200)}`;
  if (token.kind === 'ambiguous' && token.cause === 'dollar')
    throw invalidArgument(
      `${where}: a dollar quote right after a number, a $n parameter or a :name is not allowed: psql reads it as the start of a dollar-quoted body or as part of the word before it, by version; put a space before it`,
      shown,
    );
  if (token.kind === 'ambiguous' && token.cause === 'exponent')
    throw invalidArgument(
      `${where}: -- right after a number's e (1e--) is not allowed: psql reads 1e- as one token, so no comment starts there; put a space before the --`,
      shown,
    );
  if (token.kind === 'ambiguous')
    throw invalidArgument(
      `${where}: a backslash before a quote in '...' is not allowed: psql ends the literal there only while standard_conforming_strings is on, and a script can turn it off; write it as E'...' (where a backslash is \\\\) or with chr(92)`,
      shown,
    );
  const why = taint.reason(token.name);
  if (why)
    throw invalidArgument(
      `${where}: :${token.name} may hold a backslash (${why}), which psql would run as a meta-command; interpolate it quoted, as :'${token.name}' (a literal) or :"${token.name}" (an identifier)`,
      shown,
    );
}

/**
 * psql may read a file otherwise than the scan: after a switch to a client encoding it lexes
 * differently, or past COPY data it does not lex (lib/psql/guard/hidden-commands.ts). Checked after
 * the file's own tokens, so that their errors come first. `lines`: the states the scan of the
 * text found its lines start in (lib/psql/scan/scanner.ts scanPsqlLines), so it is not lexed again.
 */
export function refuseHiddenCommand(
  taint: VariableTaint,
  text: string,
  origin: Origin,
  lines?: LineStateIndex,
) {
  const hidden = hiddenCommand(text, (name) => taint.everTainted(name), lines);
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
export function refuseTilde(name: string, fail: Fail): void {
  if (name.startsWith('~'))
    throw fail(`${name}: psql reads ~ as a home directory; write the path out`);
}

/** `\g`, `\gx`, `\s`: any argument outside `(options)` is a file or a pipe. */
function hasFileArgument(args: string): boolean {
  // Each `(` up to the next `)`, as /\([^)]*\)/g would take them, in one pass: that regex
  // looked for a `)` from every `(` of a line that has none after them.
  let rest = '';
  let k = 0;
  for (;;) {
    const open = args.indexOf('(', k);
    const close = open < 0 ? -1 : args.indexOf(')', open + 1);
    if (close < 0) return `${rest}${args.slice(k)}`.trim() !== '';
    rest += args.slice(k, open);
    k = close + 1;
  }
}

import type { MetaCommand } from '../scan/scanner.js';

/**
 * psql's meta-command names, from psql 9.6 to 18 (command.c), kept generous: a name that any
 * of them knows. psql answers any other name with "invalid command" and skips its arguments
 * without expanding them (no backquotes, checked with psql 15).
 */
const KNOWN = new Set(
  (
    '! ? a bind bind_named C c cd close close_prepared connect conninfo copy copyright ' +
    'crosstabview e echo edit ef elif else encoding endif endpipeline errverbose ev f flush ' +
    'flushrequest g gdesc getenv getresults gexec gset gx H h help html i if include ' +
    'include_relative ir l list o out p parse password print prompt pset q qecho quit r reset ' +
    'restrict s sendpipeline set setenv sf sv startpipeline syncpipeline T t timing unrestrict ' +
    'unset w warn watch write x z'
  ).split(' '),
);

/** Known, and harmless wherever they turn up: display toggles, and the describe commands. */
const HARMLESS = new Set(['t', 'x', 'f', 'r', 'a', 'H', 'T', 'timing', 'errverbose']);

/**
 * Whether a command psql could run could do harm: any psql knows (`\lo_...`, and with the
 * `+`, `S` and `x` modifiers) except HARMLESS ones and `\d...`, or any with a backquote in its
 * arguments. COPY data lexed as script, as a reading that missed a COPY would, is full of
 * unknown ones (`\N`, `\x41`, `\101`) and of toggles (`\t`, `\f`, `\r`).
 */
export function mayDoHarm(cmd: Pick<MetaCommand, 'name' | 'args'>): boolean {
  if (cmd.args.includes('`')) return true;
  const name = cmd.name.length > 1 ? cmd.name.replace(/[+Sx]+$/, '') : cmd.name;
  if (HARMLESS.has(cmd.name) || name.startsWith('d')) return false;
  return KNOWN.has(name) || KNOWN.has(cmd.name) || name.startsWith('lo_');
}

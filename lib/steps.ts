import { invalidArgument } from './errors.js';

/**
 * The stdin rules shared by psql and mysql arguments (docs/prepare.md, docs/mysql.md): at most
 * one step reads stdin, a step that reads it needs the request's `stdin`, and `stdin` needs such
 * a step.
 * `flag` is how the tool spells the stdin step (`-f -` for psql, `-` for mysql).
 */
export function checkStdinSteps(stdinSteps: number, stdin: string | undefined, flag: string): void {
  if (stdinSteps > 1) throw invalidArgument(`${flag}: stdin can be read by one step only`);
  if (stdinSteps === 1 && stdin === undefined)
    throw invalidArgument(`${flag} needs the request field stdin`);
  if (stdinSteps === 0 && stdin !== undefined)
    throw invalidArgument(`stdin is given but no step reads it (${flag})`);
}

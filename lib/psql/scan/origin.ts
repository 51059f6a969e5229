/**
 * Where a piece of SQL came from: a label for errors and the directory `\ir` is relative to.
 * The walk over a script (lib/psql/scan/expand.ts) passes it down, and the guard's refusals
 * (lib/psql/guard/) name it, so it lives below both.
 */
export interface Origin {
  label: string;
  dir: string;
}

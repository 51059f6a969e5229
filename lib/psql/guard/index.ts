/**
 * The guard: a model of psql's lexer that refuses a prepare script which could run a command on
 * the engine's host or leave the build database. Refused: the meta-commands that do so (`\!`,
 * `\c`, `\o`, `\w`, `\g` to a file or pipe, `\lo_export`, `\cd`, `\e`, `\password`, `\getenv`,
 * `\prompt`, backquotes, ...), `~` paths, a NUL byte, and any text psql could lex otherwise than
 * this model does, so that it would find a meta-command the model did not see: an unquoted
 * `:name` that may hold a backslash, a literal whose end moves with standard_conforming_strings,
 * a line a client-encoding switch, COPY data or a failed command would make psql read
 * differently. The full list is docs/prepare.md, "Includes and meta-commands".
 *
 * It is the second line, not the only one (docs/security.md): with `psql_restrict` psql itself
 * runs every step under `\restrict` and refuses all backslash commands, and with
 * `build_role: restricted` the database roles hold no file or program privileges. The guard
 * keeps a state's hash describing everything that built it and stops a copied script from
 * reaching the host by accident where those are off.
 *
 * Contract: the functions read text only (no files, no processes) and return nothing when the
 * text passes. A refusal throws an `invalid_argument` error naming file and line (the per-command
 * checks throw what their `fail` makes, which names them). Where the model cannot tell how psql
 * will read a line it refuses: a wrong refusal is a 400, a wrong acceptance a command on the
 * host. lib/psql/scan/expand.ts runs every file of every step, includes too, through it.
 */
export {
  checkSqlToken,
  type Fail,
  refuseForbidden,
  refuseHiddenCommand,
  refuseNul,
  refuseTilde,
} from './refusals.js';
export { lexesAsItself, VariableTaint } from './variables.js';

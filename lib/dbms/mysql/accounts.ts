import { createHash } from 'node:crypto';
import { assertOwnName } from '../names.js';

const HEX_PASSWORD = /^[0-9a-f]{32}$/;

/**
 * The account of one schema under `build_role: restricted` (docs/mysql.md): the schema's
 * catalog prefix (`sqlrs_<c>_`, 15 characters), its kind letter, and 16 hex of a hash of the
 * schema name: 32 characters, MySQL's longest user name (MariaDB allows 80).
 */
export function accountOf(db: string): string {
  const prefix = assertOwnName(db).slice(0, 15);
  const hash = createHash('sha256').update(db).digest('hex').slice(0, 16);
  return `${prefix}${db.charAt(15)}${hash}`;
}

/**
 * An account never made: the kind letter of a build with the hash of a state's name. A state
 * built in place hands its events to it (docs/mysql.md, Accounts), so none of them runs.
 */
export function retiredAccountOf(stateDb: string): string {
  const account = accountOf(stateDb);
  return `${account.slice(0, 15)}b${account.slice(16)}`;
}

/** `'<account>'@'%'`: every name is the engine's own hex, so it is quoted as it is. */
export function accountSql(account: string): string {
  if (!/^sqlrs_[0-9a-f]{8}_[a-z][0-9a-f]{16}$/.test(account)) throw new Error('bad account');
  return `'${account}'@'%'`;
}

export function checkPassword(password: string): string {
  if (!HEX_PASSWORD.test(password)) throw new Error('a login password is 32 hex characters');
  return password;
}

/**
 * The statements that give `db` an account of its own: every privilege on that schema and
 * none elsewhere (no FILE, no other schema; `_` escaped, a wildcard in a schema grant).
 * The password goes as a parameter.
 */
export function createAccountSql(db: string): string[] {
  const who = accountSql(accountOf(db));
  return [
    `DROP USER IF EXISTS ${who}`,
    `CREATE USER ${who} IDENTIFIED BY ?`,
    `GRANT ALL PRIVILEGES ON \`${assertOwnName(db).replaceAll('_', '\\_')}\`.* TO ${who}`,
  ];
}

// A name as SHOW CREATE may quote it: `back`, 'single', "double" (routines and triggers made
// under sql_mode ANSI_QUOTES or ORACLE show their definer so), or bare.
const QUOTED = '(?:`(?:[^`]|``)*`|\'(?:[^\']|\'\')*\'|"(?:[^"]|"")*"|[\\w.%-]+)';
const DEFINER = new RegExp(`\\bDEFINER\\s*=\\s*${QUOTED}(?:\\s*@\\s*${QUOTED})?\\s*`, 'i');
const HEAD = /^(\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:ALGORITHM\s*=\s*\w+\s+)?)/i;

/**
 * A definition (view, routine, trigger, event) as SHOW CREATE gives it, with its DEFINER set
 * to `definer`: a clone made by the engine's own connection would otherwise keep the build's
 * account (gone after the build) or, for a state built with build_role admin, the engine's.
 */
export function withDefiner(sql: string, definer: string): string {
  const head = HEAD.exec(sql);
  if (!head) return sql;
  const rest = sql.slice(head[0].length);
  const clause = DEFINER.exec(rest);
  const body = clause?.index === 0 ? rest.slice(clause[0].length) : rest;
  return `${head[0]}DEFINER=${definer} ${body}`;
}

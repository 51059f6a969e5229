import type mysql from 'mysql2/promise';
import { withDefiner } from './accounts.js';

type Conn = mysql.PoolConnection;
type Row = Record<string, unknown>;

const q = (id: string) => `\`${id.replaceAll('`', '``')}\``;

async function rows(conn: Conn, sql: string, params: unknown[] = []): Promise<Row[]> {
  const [result] = await conn.query(sql, params);
  return result as Row[];
}

/**
 * `src`. references in a definition become `dst`. (views, routines, triggers, events); with a
 * `definer` (build_role restricted: the target schema's account), that becomes its DEFINER.
 */
function retarget(sql: string, src: string, dst: string, definer?: string): string {
  const moved = sql.replaceAll(`${q(src)}.`, `${q(dst)}.`);
  return definer === undefined ? moved : withDefiner(moved, definer);
}

/**
 * Copies a schema inside the server (docs/mysql.md): tables replayed from SHOW CREATE TABLE with
 * foreign key checks off (indexes, foreign keys, comments, collations and the AUTO_INCREMENT
 * position come with it), rows copied server-side, then views (in dependency order),
 * routines, triggers and events with their references to the source schema rewritten, each
 * created under the SQL mode it was defined with.
 */
export async function cloneSchema(
  conn: Conn,
  src: string,
  dst: string,
  definer?: string,
): Promise<void> {
  await conn.query('SET SESSION foreign_key_checks = 0');
  await conn.query(`USE ${q(dst)}`);
  try {
    const tables = await rows(
      conn,
      'SELECT TABLE_NAME AS name, TABLE_TYPE AS type FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME',
      [src],
    );
    for (const t of tables.filter((x) => x.type !== 'VIEW'))
      await copyTable(conn, src, dst, t.name as string);
    const views = tables.filter((x) => x.type === 'VIEW').map((x) => x.name as string);
    await createViews(conn, src, dst, views, definer);
    await copyDefinitions(conn, src, dst, definer);
  } finally {
    await conn.query('SET SESSION foreign_key_checks = 1');
    await conn.query('SET SESSION sql_mode = DEFAULT');
    // Leave the schema: a pooled connection sitting in it would count as a session on it.
    await conn.query('USE information_schema');
  }
}

async function copyTable(conn: Conn, src: string, dst: string, table: string) {
  const [create] = await rows(conn, `SHOW CREATE TABLE ${q(src)}.${q(table)}`);
  await conn.query(retarget(create?.['Create Table'] as string, src, dst));
  const cols = await rows(
    conn,
    `SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS
      WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND EXTRA NOT LIKE '%GENERATED%' AND EXTRA NOT LIKE '%PERSISTENT%'
      ORDER BY ORDINAL_POSITION`,
    [src, table],
  );
  const list = cols.map((c) => q(c.name as string)).join(', ');
  await conn.query(
    `INSERT INTO ${q(dst)}.${q(table)} (${list}) SELECT ${list} FROM ${q(src)}.${q(table)}`,
  );
}

/** Views may use views: create those whose dependencies exist, until none is left. */
async function createViews(
  conn: Conn,
  src: string,
  dst: string,
  views: string[],
  definer?: string,
) {
  let pending = views;
  while (pending.length > 0) {
    const failed: string[] = [];
    let lastError: unknown;
    for (const v of pending) {
      const [create] = await rows(conn, `SHOW CREATE VIEW ${q(src)}.${q(v)}`);
      try {
        await conn.query(retarget(create?.['Create View'] as string, src, dst, definer));
      } catch (err) {
        failed.push(v);
        lastError = err;
      }
    }
    if (failed.length === pending.length) throw lastError;
    pending = failed;
  }
}

/**
 * Routines, triggers and events: listed from information_schema, each replayed from its SHOW
 * CREATE under the SQL mode it was defined with. `show` names the object kind and the column
 * of SHOW CREATE that holds the statement.
 */
const DEFINITIONS: Array<{ list: string; show: (row: Row) => [kind: string, column: string] }> = [
  {
    list: 'SELECT ROUTINE_NAME AS name, ROUTINE_TYPE AS type FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ?',
    show: (r) =>
      r.type === 'FUNCTION' ? ['FUNCTION', 'Create Function'] : ['PROCEDURE', 'Create Procedure'],
  },
  {
    list: 'SELECT TRIGGER_NAME AS name FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? ORDER BY ACTION_ORDER',
    show: () => ['TRIGGER', 'SQL Original Statement'],
  },
  {
    list: 'SELECT EVENT_NAME AS name FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ?',
    show: () => ['EVENT', 'Create Event'],
  },
];

async function copyDefinitions(conn: Conn, src: string, dst: string, definer?: string) {
  for (const def of DEFINITIONS) {
    for (const r of await rows(conn, def.list, [src])) {
      const [kind, column] = def.show(r);
      const [create] = await rows(conn, `SHOW CREATE ${kind} ${q(src)}.${q(r.name as string)}`);
      await conn.query('SET SESSION sql_mode = ?', [String(create?.sql_mode ?? '')]);
      await conn.query(retarget(create?.[column] as string, src, dst, definer));
    }
  }
}

import type mysql from 'mysql2/promise';

export type Conn = mysql.PoolConnection;
type Row = Record<string, unknown>;

export const q = (id: string) => `\`${id.replaceAll('`', '``')}\``;

/** A definition as SHOW CREATE gives it, and the SQL mode it was defined with (if it has one). */
export interface Definition {
  name: string;
  sql: string;
  sqlMode?: string;
  /** A trigger's table. */
  table?: string;
}

const ROUTINE_KINDS = new Set(['FUNCTION', 'PACKAGE', 'PACKAGE BODY', 'PROCEDURE']);

/** What a schema holds, read in two round trips whatever its size (docs/mysql.md). */
export interface SchemaObjects {
  /**
   * Base tables and sequences: their CREATE statement and the columns to copy rows by (none
   * for a MERGE table).
   */
  tables: Array<Definition & { columns: string[]; sequence: boolean }>;
  views: Definition[];
  /** Procedures, functions and packages; those of one name in the order they can be made. */
  routines: Definition[];
  triggers: Definition[];
  events: Definition[];
}

/**
 * Lists a schema's objects from information_schema (a UNION over TABLES, ROUTINES, TRIGGERS
 * and EVENTS) and the stored columns of its tables in one multi-statement round trip, then
 * takes every SHOW CREATE in another. `conn` must allow multiple statements: the
 * statements sent together are the engine's own, every name quoted.
 */
export async function readSchema(conn: Conn, src: string): Promise<SchemaObjects> {
  // The list and the stored columns in one round trip (generated columns are computed again
  // in the copy, never copied: docs/mysql.md).
  const [results] = await conn.query(
    `SELECT 'T' AS k, TABLE_NAME AS name, TABLE_TYPE AS type, 0 AS ord, ENGINE AS engine FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?
     UNION ALL SELECT 'R', ROUTINE_NAME, ROUTINE_TYPE, 0, '' FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ?
     UNION ALL SELECT 'G', TRIGGER_NAME, EVENT_OBJECT_TABLE, ACTION_ORDER, '' FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?
     UNION ALL SELECT 'E', EVENT_NAME, '', 0, '' FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ?
     ORDER BY k, name, type, ord;
     SELECT TABLE_NAME AS t, COLUMN_NAME AS c FROM information_schema.COLUMNS
      WHERE TABLE_SCHEMA = ? AND EXTRA NOT LIKE '%GENERATED%' AND EXTRA NOT LIKE '%PERSISTENT%'
      ORDER BY TABLE_NAME, ORDINAL_POSITION`,
    [src, src, src, src, src],
  );
  const [rows, cols] = results as [Row[], Row[]];
  const pick = (k: string) => rows.filter((r) => r.k === k);
  const columns = new Map<string, string[]>();
  // A MERGE table's rows are those of its tables: it has none to copy (they would be written
  // again into the last of them).
  const merged = new Set(pick('T').flatMap((r) => (r.engine === 'MRG_MyISAM' ? [r.name] : [])));
  for (const r of cols.filter((c) => !merged.has(c.t))) {
    const list = columns.get(r.t as string) ?? [];
    list.push(r.c as string);
    columns.set(r.t as string, list);
  }
  const tableRows = pick('T').filter((r) => r.type !== 'VIEW');
  const sequences = new Set(tableRows.filter((r) => r.type === 'SEQUENCE').map((r) => r.name));
  // Triggers in the order they fire per table (ACTION_ORDER), as SHOW CREATE gives no order.
  const triggerRows = pick('G').sort(
    (a, b) => String(a.type).localeCompare(String(b.type)) || Number(a.ord) - Number(b.ord),
  );
  const asks: Array<[kind: string, row: Row]> = [
    ...tableRows.map((r): [string, Row] => ['TABLE', r]),
    ...pick('T')
      .filter((r) => r.type === 'VIEW')
      .map((r): [string, Row] => ['VIEW', r]),
    // Of one name (routine names ignore case), in order: FUNCTION, PACKAGE, PACKAGE BODY (made
    // after its package), PROCEDURE. MariaDB's packages (sql_mode ORACLE) are routines too.
    ...pick('R').map((r): [string, Row] => [String(r.type), r]),
    ...triggerRows.map((r): [string, Row] => ['TRIGGER', r]),
    ...pick('E').map((r): [string, Row] => ['EVENT', r]),
  ];
  const shown = await showCreates(conn, src, asks);
  const defs = (kind: string) =>
    asks.flatMap(([k, r], i) =>
      k === kind ? [definition(r.name as string, shown[i] as Row)] : [],
    );
  return {
    tables: defs('TABLE').map((d) => ({
      ...d,
      columns: columns.get(d.name) ?? [],
      sequence: sequences.has(d.name),
    })),
    views: defs('VIEW'),
    routines: asks.flatMap(([k, r], i) =>
      ROUTINE_KINDS.has(k) ? [definition(r.name as string, shown[i] as Row)] : [],
    ),
    triggers: defs('TRIGGER').map((d, i) => ({ ...d, table: String(triggerRows[i]?.type) })),
    events: defs('EVENT'),
  };
}

/** Every SHOW CREATE in one round trip; one row each, in the order asked. */
async function showCreates(conn: Conn, src: string, asks: Array<[string, Row]>): Promise<Row[]> {
  if (asks.length === 0) return [];
  const sql = asks.map(([kind, r]) => `SHOW CREATE ${kind} ${q(src)}.${q(r.name as string)}`);
  const [results] = await conn.query(sql.join(';\n'));
  // One statement gives its rows; several give a list of row lists.
  const sets = (asks.length === 1 ? [results] : results) as Row[][];
  return sets.map((set) => set[0] as Row);
}

const CREATE_COLUMN =
  /^(Create (Table|View|Procedure|Function|Package|Package Body|Event)|SQL Original Statement)$/;

/** The CREATE statement of whichever column SHOW CREATE put it in, and its sql_mode. */
function definition(name: string, row: Row): Definition {
  const column = Object.keys(row).find((k) => CREATE_COLUMN.test(k));
  const sql = String(row[column as string] ?? '');
  return 'sql_mode' in row ? { name, sql, sqlMode: String(row.sql_mode ?? '') } : { name, sql };
}

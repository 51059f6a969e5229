import type { Database, SqlValue, Statement } from 'sql.js';

export type Params = SqlValue[];

interface Prepared {
  stmt: Statement;
  names?: string[];
}

const prepared = new WeakMap<Database, Map<string, Prepared>>();

/**
 * Statements are prepared once per database and SQL text, and reused: preparing was most of
 * the cost of a catalog read (about 60 us against 10 us for a reused statement). They live
 * until the database is closed (sql.js's export() does not free them: it uses the backup
 * API). The SQL texts are the code's own, so the cache is bounded.
 */
function statement(db: Database, sql: string): Prepared {
  let byText = prepared.get(db);
  if (!byText) {
    byText = new Map();
    prepared.set(db, byText);
  }
  let p = byText.get(sql);
  if (!p) {
    p = { stmt: db.prepare(sql) };
    byText.set(sql, p);
  }
  return p;
}

/**
 * All rows of a query as plain objects. Column names are read once per statement: sql.js's
 * getAsObject() reads (and decodes) them again for every row, which made reads about 3.5x
 * slower (bench/states-list).
 */
export function all<T>(db: Database, sql: string, params: Params = []): T[] {
  const p = statement(db, sql);
  const { stmt } = p;
  try {
    stmt.bind(params);
    const rows: T[] = [];
    while (stmt.step()) {
      p.names ??= stmt.getColumnNames();
      const names = p.names;
      const values = stmt.get();
      const row: Record<string, unknown> = {};
      for (let i = 0; i < names.length; i++) row[names[i] as string] = values[i];
      rows.push(row as T);
    }
    return rows;
  } finally {
    stmt.reset();
  }
}

/** Runs a statement that returns no rows, with a reused prepared statement. */
export function run(db: Database, sql: string, params: Params = []): void {
  const { stmt } = statement(db, sql);
  try {
    stmt.run(params);
  } finally {
    stmt.reset();
  }
}

export function one<T>(db: Database, sql: string, params: Params = []): T | undefined {
  return all<T>(db, sql, params)[0];
}

/** WHERE fragments for a hex prefix on an indexed column: a range scan, no LIKE. */
export function prefixRange(column: string, prefix: string): [string, Params] {
  return [`${column} >= ? AND ${column} < ?`, [prefix, `${prefix}g`]];
}

/** Builds `WHERE a AND b ...` from optional conditions, keeping SQL and parameters apart. */
export function where(conditions: Array<[string, Params] | undefined>): [string, Params] {
  const present = conditions.filter((c): c is [string, Params] => c !== undefined);
  if (present.length === 0) return ['', []];
  return [`WHERE ${present.map((c) => c[0]).join(' AND ')}`, present.flatMap((c) => c[1])];
}

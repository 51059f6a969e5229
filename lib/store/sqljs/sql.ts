import type { Database, SqlValue } from 'sql.js';

export type Params = SqlValue[];

/**
 * All rows of a query as plain objects. Statements are freed at once: export() would free them.
 * Column names are read once per query: sql.js's getAsObject() reads (and decodes) them again
 * for every row, which made reads about 3.5x slower (bench/states-list).
 */
export function all<T>(db: Database, sql: string, params: Params = []): T[] {
  const stmt = db.prepare(sql);
  try {
    stmt.bind(params);
    const rows: T[] = [];
    let names: string[] | undefined;
    while (stmt.step()) {
      names ??= stmt.getColumnNames();
      const values = stmt.get();
      const row: Record<string, unknown> = {};
      for (let i = 0; i < names.length; i++) row[names[i] as string] = values[i];
      rows.push(row as T);
    }
    return rows;
  } finally {
    stmt.free();
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

/**
 * Connection tracking on PostgreSQL (docs/deletion.md): sessions per database from
 * pg_stat_activity, not counting the engine's own (its admin connections and the psql it runs).
 */
/** psql run by the engine is `sqlrs`; the engine's own connections are `sqlrs-engine:...`. */
export const ENGINE_APP_NAME_PATTERNS = ['sqlrs', 'sqlrs-engine:%'];

export interface Queryable {
  query<T>(sql: string, params: unknown[]): Promise<{ rows: T[] }>;
}

export async function pgSessionCounts(db: Queryable, dbs: string[]): Promise<Map<string, number>> {
  const counts = new Map(dbs.map((d) => [d, 0]));
  if (dbs.length === 0) return counts;
  const { rows } = await db.query<{ datname: string; n: string }>(
    `SELECT datname, count(*) AS n FROM pg_stat_activity
      WHERE datname = ANY($1::text[]) AND pid <> pg_backend_pid()
        AND NOT (application_name LIKE ANY($2::text[]))
      GROUP BY datname`,
    [dbs, ENGINE_APP_NAME_PATTERNS],
  );
  for (const r of rows) counts.set(r.datname, Number(r.n));
  return counts;
}

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

/** How often `endPgSessions` looks whether the sessions it ended are gone. */
const ENDED_POLL_MS = 2;

/**
 * Ends the client sessions on `db` (pg_terminate_backend) and waits until they are gone, up to
 * `timeoutMs`; what a forced delete does before its `DROP DATABASE ... WITH (FORCE)`. The DROP
 * alone signals the sessions, then looks again every 100 ms until they have exited, so a forced
 * drop of a database with a session took 100 ms more than one without, though a backend exits
 * in a few ms; ended and waited for here, they are gone when the DROP first looks. The DROP
 * still runs with FORCE: it ends a session that came in meanwhile (and autovacuum workers,
 * left to it here), and it reports a session this role may not end as it always did, so a
 * refusal here is left for it to give. Answers how many sessions were ended.
 */
export async function endPgSessions(
  db: Queryable,
  name: string,
  timeoutMs = 5000,
): Promise<number> {
  const others = `datname = $1 AND pid <> pg_backend_pid() AND backend_type = 'client backend'`;
  let ended: number;
  try {
    // In the target list, the function runs only for the rows the WHERE clause kept.
    const { rows } = await db.query<{ ok: boolean }>(
      `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE ${others}`,
      [name],
    );
    ended = rows.filter((r) => r.ok).length;
  } catch {
    return 0; // not allowed to end one of them: the DROP says so
  }
  const deadline = Date.now() + timeoutMs;
  while (ended > 0 && Date.now() < deadline) {
    const { rows } = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM pg_stat_activity WHERE ${others}`,
      [name],
    );
    if (Number(rows[0]?.n ?? 0) === 0) break;
    await new Promise((r) => setTimeout(r, ENDED_POLL_MS));
  }
  return ended;
}

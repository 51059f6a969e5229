import type pg from 'pg';
import { catalogError } from './connection.js';

/**
 * The catalog server's clock now (`clock_timestamp()`), read on a pooled connection: the one
 * clock every engine sharing the catalog judges leases by (docs/scaling.md, Engines and
 * leases); and when the server started, since no lease could be renewed while it was down. A
 * server that cannot be reached fails as a write would (`unavailable`).
 */
export async function readServerTime(
  pool: pg.Pool,
  server: string,
): Promise<{ now: Date; startedAt: Date }> {
  try {
    const { rows } = await pool.query<{ ms: string; started: string }>(
      `SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS ms,
              (extract(epoch FROM pg_postmaster_start_time()) * 1000)::float8 AS started`,
    );
    return { now: new Date(Number(rows[0]?.ms)), startedAt: new Date(Number(rows[0]?.started)) };
  } catch (err) {
    throw catalogError(server, err);
  }
}

import type pg from 'pg';
import { catalogError } from './connection.js';

/**
 * The catalog server's clock now (`clock_timestamp()`), read on a pooled connection: the one
 * clock every engine sharing the catalog judges leases by (docs/scaling.md, Engines and
 * leases). A server that cannot be reached fails as a write would (`unavailable`).
 */
export async function readServerTime(pool: pg.Pool, server: string): Promise<Date> {
  try {
    const { rows } = await pool.query<{ ms: string }>(
      'SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS ms',
    );
    return new Date(Number(rows[0]?.ms));
  } catch (err) {
    throw catalogError(server, err);
  }
}

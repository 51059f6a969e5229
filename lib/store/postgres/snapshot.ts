import type pg from 'pg';
import type { WriterCall } from '../sqljs/journal-record.js';
import type { InstanceRow, StateRow } from '../types.js';
import { catalogError } from './connection.js';

/**
 * The whole catalog as one consistent read (REPEATABLE READ): the change log's head and every
 * row, as the writer calls that make them, for loading the replica (docs/scaling.md). Read at
 * open, and again only when the replica fell behind what the log still holds.
 */
export async function readSnapshot(
  pool: pg.Pool,
  s: string,
  server: string,
): Promise<{ seq: number; calls: WriterCall[] }> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (err) {
    throw catalogError(server, err);
  }
  let failed: Error | undefined;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const head = await client.query<{ seq: string }>(`SELECT seq FROM ${s}.head`);
    const rows = async (table: string, method: string, shape = (r: object) => r) =>
      (await client.query(`SELECT * FROM ${s}.${table}`)).rows.map(
        (r): WriterCall => [method, shape(r)],
      );
    const calls = [
      ...(await rows('states', 'insertState', (r) => ({
        ...r,
        // bigint comes back as text from pg; the replica keeps numbers.
        size_bytes: (r as StateRow).size_bytes === null ? null : Number((r as StateRow).size_bytes),
      }))),
      ...(await rows('instances', 'insertInstance', (r) => r as InstanceRow)),
      ...(await rows('names', 'putName')),
      ...(await rows('pending', 'addPending')),
      ...(await rows('pool', 'addPooled')),
      ...(await rows('engines', 'putEngine')),
    ];
    await client.query('COMMIT');
    return { seq: Number(head.rows[0]?.seq ?? 0), calls };
  } catch (err) {
    failed = err as Error;
    await client.query('ROLLBACK').catch(() => undefined);
    throw catalogError(server, err);
  } finally {
    client.release(failed);
  }
}

import pg from 'pg';
import { sqlrsError } from '../../errors.js';

/** How long opening a connection may take before the catalog server counts as not answering. */
export const CONNECT_TIMEOUT_MS = 5000;

/** `host:port/database` of a catalog URL: what messages name (never the user or password). */
export function serverOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || 'localhost'}:${u.port || '5432'}/${decodeURIComponent(u.pathname.slice(1))}`;
  } catch {
    return 'the configured server';
  }
}

/**
 * How long a write waits for the change log's head, which another engine's write holds while it
 * commits (milliseconds): an engine that froze holding it (stopped, its host paused, its
 * connection half-open) would otherwise stop every engine's writes for good. Past it, the
 * write fails `unavailable` and the next one tries again.
 */
export const LOCK_TIMEOUT_MS = 30_000;
/**
 * A session idle inside a transaction this long is ended by the server, releasing the head a
 * frozen engine held. Our transactions never wait on anything but the server between their
 * statements, save a reload of the replica in a flush (docs/scaling.md), hence the margin.
 */
export const IDLE_IN_TRANSACTION_MS = 60_000;

export function newPool(url: string, lockTimeoutMs = LOCK_TIMEOUT_MS, max = 4): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    lock_timeout: lockTimeoutMs,
    idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_MS,
    idleTimeoutMillis: 30_000,
    application_name: 'sqlrs-catalog',
  });
  // An idle connection the server ended (a restart, pg_terminate_backend) is dropped from
  // the pool and the next query opens another: nothing to do but not crash.
  pool.on('error', () => undefined);
  // A checked-out connection has no pool listener: ended by the server between two queries
  // of a transaction (a failover, pg_terminate_backend), its 'error' event would end the
  // process. The transaction's next query fails instead, and it is released broken.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

/**
 * A PostgreSQL error that is about the data (a key conflict, a value out of range, a query
 * of ours that is wrong): a write failing for what it writes. Everything else (no
 * connection, the server shutting down, out of resources) is the catalog being unavailable.
 */
const DATA_ERROR = /^(22|23|42)[0-9A-Z]{3}$/;

/** The error a write or read of the catalog server rejects with. */
export function catalogError(server: string, err: unknown): unknown {
  const code = String((err as { code?: unknown } | null)?.code ?? '');
  if (DATA_ERROR.test(code)) return err;
  const reason = (err as Error | null)?.message || String(err);
  return sqlrsError('unavailable', `the catalog server at ${server} cannot be used: ${reason}`);
}

/** Whether an error means the connection itself is gone (release it broken, never reuse). */
const connectionLost = (err: unknown) =>
  !DATA_ERROR.test(String((err as { code?: unknown } | null)?.code ?? ''));

/**
 * One transaction on a pooled connection. `fn` returns 'rollback' to end it without
 * committing. `onCommitUnknown` is told when COMMIT itself failed: the change may or may not
 * be in (docs/scaling.md, Failures). Errors come out as `catalogError`.
 */
export async function inTransaction<T>(
  pool: pg.Pool,
  server: string,
  fn: (c: pg.PoolClient) => Promise<T | 'rollback'>,
  onCommitUnknown?: () => void,
): Promise<T | 'rollback'> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (err) {
    throw catalogError(server, err);
  }
  let failed: unknown;
  let committing = false;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    if (result === 'rollback') {
      await client.query('ROLLBACK');
      return result;
    }
    committing = true;
    await client.query('COMMIT');
    return result;
  } catch (err) {
    failed = err;
    if (committing && connectionLost(err)) onCommitUnknown?.();
    await client.query('ROLLBACK').catch(() => undefined);
    throw catalogError(server, err);
  } finally {
    client.release(failed !== undefined && connectionLost(failed) ? (failed as Error) : undefined);
  }
}

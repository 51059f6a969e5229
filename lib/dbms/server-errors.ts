import { redactUrl } from '../config.js';
import { sqlrsError } from '../errors.js';
import { CONNECT_TIMEOUT_MS } from './postgres/timed-client.js';

/** Connection refused, host unknown, login refused...: the server cannot be used right now. */
const CONNECTION = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ETIMEDOUT',
  'ECONNRESET',
  // PostgreSQL: password or role refused, no such database, starting up.
  '28P01',
  '28000',
  '3D000',
  '57P03',
  // MySQL / MariaDB.
  'ER_ACCESS_DENIED_ERROR',
  'PROTOCOL_CONNECTION_LOST',
]);

/**
 * node-postgres's connect timeout (lib/dbms/postgres/timed-client.ts) comes with no code, only
 * these words (the client's own, and a connection ended by it).
 */
const PG_CONNECT_TIMEOUT = /^(timeout expired|Connection terminated due to connection timeout)$/;

/**
 * A MySQL statement that failed because its connection did (the server shut down or crashed,
 * the session was killed): the server's trouble, not the script's, as psql's exit code 2.
 */
const LOST = new Set([
  'PROTOCOL_CONNECTION_LOST',
  'ECONNRESET',
  'EPIPE',
  'ER_CONNECTION_KILLED',
  'ER_SERVER_SHUTDOWN',
]);

export const isConnectionLost = (code: string): boolean => LOST.has(code);

/**
 * A PostgreSQL connection the server ended (57P01 admin shutdown, pg_terminate_backend; 57P02
 * crash shutdown) or whose socket closed, or a statement asked of it afterwards: node-postgres
 * says the last two with no code, only these words.
 */
const PG_LOST = new Set(['57P01', '57P02', 'ECONNRESET', 'EPIPE']);
const PG_LOST_WORDS = new Set([
  'Connection terminated unexpectedly',
  'Client has encountered a connection error and is not queryable',
]);
export function isPgConnectionLost(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  return PG_LOST.has(String(e?.code ?? '')) || PG_LOST_WORDS.has(String(e?.message));
}

/**
 * The server would not do it for the configured user, or cannot now: a privilege is missing
 * (CREATEDB, CREATE on a schema), or it is out of disk, memory or connections. The user can act
 * on the server's own words; any other server error is ours to fix and stays internal.
 * PostgreSQL: 42501 insufficient_privilege, classes 53 (insufficient resources), 54 (program
 * limits) and 58 (system errors: I/O).
 */
const PG_REFUSED = /^(42501|5[348][0-9A-Z]{3})$/;
const MYSQL_REFUSED = new Set([
  'ER_DBACCESS_DENIED_ERROR',
  'ER_TABLEACCESS_DENIED_ERROR',
  'ER_COLUMNACCESS_DENIED_ERROR',
  'ER_SPECIFIC_ACCESS_DENIED_ERROR',
  'ER_PROCACCESS_DENIED_ERROR',
  'ER_DISK_FULL',
  'ER_RECORD_FILE_FULL',
  'ER_OUT_OF_RESOURCES',
  'ER_OUTOFMEMORY',
  'ER_CON_COUNT_ERROR',
  'ER_TOO_MANY_USER_CONNECTIONS',
]);

/**
 * A database server's error as the engine reports it: `unavailable` (503) with the server's
 * own message and the server's URL (no password) for a connection failure or a refusal;
 * anything else unchanged. So a role without CREATEDB fails a prepare with the server's own
 * words, not a bare "internal error".
 */
export function serverError(url: string, err: unknown): unknown {
  const code = String((err as { code?: unknown } | null)?.code ?? '');
  const message = (err as Error | null)?.message ?? String(err);
  if (PG_CONNECT_TIMEOUT.test(message) && code === '')
    return sqlrsError(
      'unavailable',
      `database server unavailable: no answer within ${CONNECT_TIMEOUT_MS / 1000} s of connecting`,
      redactUrl(url),
    );
  if (CONNECTION.has(code) || isPgConnectionLost(err))
    return sqlrsError('unavailable', `database server unavailable: ${message}`, redactUrl(url));
  if (PG_REFUSED.test(code) || MYSQL_REFUSED.has(code))
    return sqlrsError('unavailable', `database server refused: ${message}`, redactUrl(url));
  return err;
}

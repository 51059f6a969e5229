import type { ErrorBody } from '../schema-types.js';
import { SqlrsError } from './errors.js';

// psql names the failing line of a script `psql:FILE:LINE: ERROR: ...` (the engine keeps that
// line in the error's details, docs/prepare.md); FILE may hold colons, LINE never does.
const PSQL_WHERE = /^psql:(.+):(\d+): (.*)$/m;

/**
 * A failed job as a SqlrsError: the engine's code and message, and, when psql named it, the
 * file and line of the failing statement (`.../seed.sql:40`), also in the message.
 */
export function jobError(error: ErrorBody | undefined, jobId: string): SqlrsError {
  if (!error) return new SqlrsError('job_failed', `job ${jobId} failed`, { jobId });
  const where = PSQL_WHERE.exec(`${error.details ?? ''}\n${error.message}`);
  const file = where?.[1];
  const line = where ? Number(where[2]) : undefined;
  const message = where ? `${error.message}: ${file}:${line}: ${where[3]}` : error.message;
  return new SqlrsError(error.code || 'job_failed', message, {
    details: error.details,
    file,
    line,
    jobId,
  });
}

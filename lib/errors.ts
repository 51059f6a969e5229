import type { ErrorBody as WireErrorBody } from './schema-types.js';

/**
 * The one error catalogue. Every error that crosses a module boundary carries a stable `code`
 * from ERROR_STATUS; callers decide by `code` (never by `instanceof`, which breaks across worker
 * threads and realms), and the HTTP edge maps the code to a status exactly once.
 *
 * This list is the source: the `code` enum of schemas/error.json (and so the generated
 * ErrorBody) and the error table of docs/api.md repeat it, and
 * test/lib/error-catalogue.test.ts fails when either differs from it.
 */
export const ERROR_STATUS = {
  invalid_argument: 400,
  unauthorized: 401,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  ambiguous: 409,
  payload_too_large: 413,
  misdirected_request: 421,
  busy: 503,
  unavailable: 503,
  cancelled: 409,
  /**
   * A job's engine stopped while it ran (its lease lapsed on a shared catalog): another engine
   * failed the job (docs/scaling.md, "Jobs").
   */
  engine_lost: 503,
  /** Work that ran past its configured limit (step_timeout, hash_timeout; docs/prepare.md). */
  timeout: 504,
  internal_error: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** An error as the API sends it: the type generated from schemas/error.json. */
export type ErrorBody = WireErrorBody;

export interface CodedError extends Error {
  code: ErrorCode;
  details?: string;
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_STATUS, value);
}

export function sqlrsError(code: ErrorCode, message: string, details?: string): CodedError {
  const err = new Error(message) as CodedError;
  err.name = 'SqlrsError';
  err.code = code;
  if (details !== undefined) err.details = details;
  return err;
}

/** The catalogue code of an error, or undefined for anything that is not ours (e.g. ENOENT). */
export function errorCode(err: unknown): ErrorCode | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return isErrorCode(code) ? code : undefined;
}

export const invalidArgument = (message: string, details?: string) =>
  sqlrsError('invalid_argument', message, details);
export const notFound = (message: string) => sqlrsError('not_found', message);
/** A job stopped by cancel or shutdown (docs/prepare.md): one message wherever it is noticed. */
export const jobCancelled = () => sqlrsError('cancelled', 'job cancelled');

/** Work stopped at its configured limit: says what, and the setting and value that ended it. */
export const timedOut = (what: string, setting: string, ms: number, details?: string) =>
  sqlrsError(
    'timeout',
    `${what} ran longer than ${setting} (${formatMs(ms)}) and was stopped`,
    details,
  );

/** A limit as config.json writes it: `1s`, `30m`, `1500ms`. */
function formatMs(ms: number): string {
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const)
    if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

/**
 * The error body for any thrown value. Errors outside the catalogue become a generic
 * internal_error: a 500 never says anything about our internals.
 */
export function toErrorBody(err: unknown): ErrorBody {
  const code = errorCode(err);
  if (code === undefined || code === 'internal_error') {
    return { code: 'internal_error', message: 'internal error' };
  }
  const e = err as CodedError;
  const body: ErrorBody = { code, message: e.message };
  if (typeof e.details === 'string' && e.details !== '') body.details = e.details;
  return body;
}

export function httpStatus(code: ErrorCode): number {
  return ERROR_STATUS[code];
}

/** Result shape for worker tasks: a thrown error would lose its code across the thread boundary. */
export type TaskResult<T> = ({ ok: true } & T) | { ok: false; error: ErrorBody };

export function taskFailure(err: unknown): { ok: false; error: ErrorBody } {
  const code = errorCode(err);
  if (code === undefined) {
    return {
      ok: false,
      error: { code: 'internal_error', message: String((err as Error)?.message ?? err) },
    };
  }
  const e = err as CodedError;
  const error: ErrorBody = { code, message: e.message };
  if (e.details !== undefined) error.details = e.details;
  return { ok: false, error };
}

/** Turns a worker's failure result back into a coded error on the calling thread. */
export function fromErrorBody(body: ErrorBody): CodedError {
  return sqlrsError(body.code, body.message, body.details);
}

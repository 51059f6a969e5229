/**
 * The codes the client itself gives (docs/client.md, "Errors"), beside the engine's own codes
 * (lib/errors.ts, docs/api.md) that it passes on as they come. None of these crosses the HTTP
 * edge: they say what happened between a caller and the engine.
 */
export const CLIENT_CODES = [
  /** The engine does not answer at its endpoint. */
  'engine_unreachable',
  /** The local engine could not be started (or its state dir or spawn lock could not be used). */
  'engine_start_failed',
  /** The engine refused the token (401), also after re-reading a local engine's engine.json. */
  'unauthorized',
  /** The job queue stayed full (503 `busy`) through every retry. */
  'busy',
  /** The caller's AbortSignal fired; the job was cancelled on the engine. */
  'aborted',
  /** The job failed without an error code of the engine's. */
  'job_failed',
] as const;

export type ClientCode = (typeof CLIENT_CODES)[number];

/**
 * An error of the client: `code` is one of CLIENT_CODES or the engine's code of a failed request
 * or job. Callers decide by `code` (docs/engineering.md), never by `instanceof`.
 */
export class SqlrsError extends Error {
  readonly code: string;
  status?: number;
  details?: string;
  /** The script and line of a failing step, when the engine's message names them. */
  file?: string;
  line?: number;
  jobId?: string;
  endpoint?: string;

  constructor(code: string, message: string, init: SqlrsErrorInit = {}) {
    super(message);
    this.name = 'SqlrsError';
    this.code = code;
    for (const [key, value] of Object.entries(init))
      if (value !== undefined) Object.assign(this, { [key]: value });
  }
}

/** What a SqlrsError may carry beside its code and message: the class's optional fields. */
export type SqlrsErrorInit = Partial<
  Pick<SqlrsError, 'status' | 'details' | 'file' | 'line' | 'jobId' | 'endpoint'>
>;

import { SqlrsError } from '../errors.js';

/**
 * Every way finding or starting the local engine fails has one code, `engine_start_failed`: the
 * CLI maps it to its exit code, the client passes it on (docs/client.md).
 */
export const startFailed = (message: string, details?: string) =>
  new SqlrsError('engine_start_failed', message, { details });

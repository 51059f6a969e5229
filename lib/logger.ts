/** Structured log lines: an event name and fields. The engine writes them as JSON (runtime/compose/file-logger.ts). */
export interface Logger {
  info(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
}

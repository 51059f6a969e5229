import { createWriteStream, type WriteStream } from 'node:fs';
import type { Logger } from './types.js';

export interface FileLogger extends Logger {
  close(): Promise<void>;
}

/**
 * JSON log lines (SPEC §3) appended to the engine log, and echoed to stderr when it is a
 * terminal. Writes are buffered by the stream so logging never blocks a request.
 */
export function createFileLogger(
  path: string,
  clock: () => Date,
  echo = process.stderr.isTTY,
): FileLogger {
  const out: WriteStream = createWriteStream(path, { flags: 'a', mode: 0o600 });
  out.on('error', () => undefined); // a full disk must not take the engine down with it
  const write = (level: string, event: string, fields?: Record<string, unknown>) => {
    const line = `${JSON.stringify({ ts: clock().toISOString(), level, event, ...fields })}\n`;
    out.write(line);
    if (echo) process.stderr.write(line);
  };
  return {
    info: (event, fields) => write('info', event, fields),
    error: (event, fields) => write('error', event, fields),
    close: () => new Promise((resolve) => out.end(resolve)),
  };
}

/** A logger that keeps lines in memory; for tests and embedders that log elsewhere. */
export function memoryLogger(): Logger & { lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  return {
    lines,
    info: (event, fields) => lines.push({ level: 'info', event, ...fields }),
    error: (event, fields) => lines.push({ level: 'error', event, ...fields }),
  };
}

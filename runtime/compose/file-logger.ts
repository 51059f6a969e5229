import { appendFileSync, createWriteStream, type WriteStream } from 'node:fs';
import { START_FAILED } from '../../lib/engine-files/start-failure.js';
import type { Logger } from '../edge/types.js';

export interface FileLogger extends Logger {
  close(): Promise<void>;
}

/** Info lines are written at most this long after they are logged. */
const BATCH_MS = 50;
const BATCH_BYTES = 64 * 1024;

/**
 * JSON log lines (docs/runtime.md) appended to the engine log, and echoed to stderr when it is a
 * terminal. Writes are buffered so logging never blocks a request, and info lines are batched:
 * one file write per request (the `http` line) cost a listing of 10,000 states 10-15 % of its
 * speed (bench/states-list). An error line goes out at once, with the lines before it; a
 * SIGKILL can lose the info lines of the last BATCH_MS.
 */
export function createFileLogger(
  path: string,
  clock: () => Date,
  echo = process.stderr.isTTY,
  batchMs = BATCH_MS,
): FileLogger {
  const out = appendingFile(path);
  let batch = '';
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (batch !== '') out.write(batch);
    batch = '';
  };
  const write = (level: string, event: string, fields?: Record<string, unknown>) => {
    const line = logLine(clock, level, event, fields);
    batch += line;
    if (echo) process.stderr.write(line);
    if (level === 'error' || batch.length >= BATCH_BYTES) flush();
    else timer ??= setTimeout(flush, batchMs).unref();
  };
  return {
    info: (event, fields) => write('info', event, fields),
    error: (event, fields) => write('error', event, fields),
    close: () => {
      flush();
      return out.close();
    },
  };
}

/**
 * The log file, appended to. A failed write (a full disk) destroys a write stream for good:
 * kept, it would log nothing more once the disk had been full for a moment. So a failed stream is
 * let go and the file is opened again by the next write, which first ends the line the
 * failure may have torn. A full disk must not take the engine down with it: errors are never
 * thrown.
 */
function appendingFile(path: string) {
  let out: WriteStream | undefined;
  let torn = false;
  const open = () => {
    const stream = createWriteStream(path, { flags: 'a', mode: 0o600 });
    stream.on('error', () => {
      torn = true;
      if (out === stream) out = undefined;
    });
    return stream;
  };
  return {
    write(text: string): void {
      if (!out) {
        out = open();
        if (torn) text = `\n${text}`;
        torn = false;
      }
      out.write(text);
    },
    close(): Promise<void> {
      const stream = out;
      out = undefined;
      if (!stream || stream.destroyed) return Promise.resolve();
      return new Promise((resolve) => {
        stream.once('close', () => resolve());
        stream.end();
      });
    },
  };
}

/** One line of the engine log (docs/runtime.md, The log). */
function logLine(
  clock: () => Date,
  level: string,
  event: string,
  fields?: Record<string, unknown>,
) {
  return `${JSON.stringify({ ts: clock().toISOString(), level, event, ...fields })}\n`;
}

/**
 * Appends the reason an engine could not start to its log, at once (the process exits next).
 * The CLI starts the engine with no terminal to print to, so the log is where the reason can
 * be found. Never throws: with a full disk or no log directory there is only stderr.
 */
export function logStartFailure(path: string, message: string, clock = () => new Date()): void {
  try {
    appendFileSync(path, logLine(clock, 'error', START_FAILED, { message }), { mode: 0o600 });
  } catch {
    // stderr has it
  }
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

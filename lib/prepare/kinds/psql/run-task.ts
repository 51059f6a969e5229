import { spawn } from 'node:child_process';
import type { MessagePort } from 'node:worker_threads';
import { sqlrsError, type TaskResult, taskFailure } from '../../../errors.js';
import { fileSystemReason } from '../../../files/fs-reason.js';
import { LineSplitter } from '../../../lines.js';
import { INSTALL_PSQL } from '../../../psql/install-hint.js';

export interface RunPsqlInput {
  psql: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  /** Bytes (a restricted step's inlined script) or text for psql's standard input. */
  stdin?: string | Uint8Array;
  /** Log lines go out on this port; a 'cancel' message coming in stops psql. */
  port: MessagePort;
  maxLogLines: number;
  killGraceMs: number;
}

export interface RunPsqlOutput {
  exitCode: number | null;
  signal: string | null;
  stderrTail: string[];
  cancelled: boolean;
}

export type LogMessage =
  | { type: 'log'; stream: 'stdout' | 'stderr'; line: string }
  | { type: 'end' };

const TAIL_LINES = 20;
const MAX_LINE = 4096;

/**
 * Worker task: runs one psql step and streams its output as log lines. The number of lines
 * sent is bounded (a runaway script cannot flood the engine); the last stderr lines are kept
 * for the error details. Cancel: SIGTERM, then SIGKILL after the grace period (docs/deletion.md).
 */
export async function runPsql(input: RunPsqlInput): Promise<TaskResult<RunPsqlOutput>> {
  try {
    return { ok: true, ...(await run(input)) };
  } catch (err) {
    return taskFailure(err);
  } finally {
    // Lines and the task result travel on different ports: 'end' tells the caller it has
    // every line before it reads the result.
    input.port.postMessage({ type: 'end' });
    input.port.close();
  }
}

function run(input: RunPsqlInput): Promise<RunPsqlOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(input.psql, input.args, {
      cwd: input.cwd,
      env: input.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let cancelled = false;
    const tail: string[] = [];
    const send = boundedSender(input);
    const emit = (stream: 'stdout' | 'stderr') => (line: string, cut: boolean) => {
      const text = cut ? `${line}...` : line;
      if (stream === 'stderr') {
        tail.push(text);
        if (tail.length > TAIL_LINES) tail.shift();
      }
      send(stream, text);
    };
    const out = new LineSplitter(emit('stdout'), MAX_LINE);
    const err = new LineSplitter(emit('stderr'), MAX_LINE);
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    input.port.on('message', (msg) => {
      if (msg !== 'cancel' || cancelled) return;
      cancelled = true;
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), input.killGraceMs).unref();
    });
    child.on('error', (e) => reject(cannotRun(input.psql, e)));
    child.stdin.on('error', () => undefined); // psql may exit before reading all of stdin
    child.stdin.end(input.stdin ?? '');
    child.on('close', (exitCode, signal) => {
      out.end();
      err.end();
      resolve({ exitCode, signal, stderrTail: tail, cancelled });
    });
  });
}

/** A psql that cannot be started (not installed, SQLRS_PSQL wrong) is the user's to fix. */
function cannotRun(psql: string, err: unknown) {
  return sqlrsError('unavailable', `cannot run ${psql}: ${fileSystemReason(err)}`, INSTALL_PSQL);
}

/** Sends at most `maxLogLines` lines, then one notice that the rest is not shown. */
function boundedSender(input: RunPsqlInput) {
  let sent = 0;
  return (stream: 'stdout' | 'stderr', line: string) => {
    sent++;
    if (sent <= input.maxLogLines) input.port.postMessage({ type: 'log', stream, line });
    else if (sent === input.maxLogLines + 1) {
      input.port.postMessage({ type: 'log', stream, line: '[sqlrs: further output not shown]' });
    }
  };
}

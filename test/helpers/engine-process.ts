import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Test } from 'tap';
import { request } from 'undici';
import type { EngineJson } from '../../lib/engine-files/engine-json.js';
import { startEngine } from '../../runtime/process/engine.js';

export const ENGINE_BIN = fileURLToPath(new URL('../../../bin/sqlrs-engine.js', import.meta.url));

export interface EngineProcess {
  child: ChildProcess;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns the real sqlrs-engine binary; killed at test end if still running. */
export function spawnEngine(t: Test, args: string[], env: NodeJS.ProcessEnv = {}): EngineProcess {
  const child = spawn(process.execPath, [ENGINE_BIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, stderr: () => err, exit };
}

/** Waits until engine.json exists and names `pid` (or any pid when not given). */
export async function waitForEngineJson(
  path: string,
  pid?: number,
  timeoutMs = 10_000,
): Promise<EngineJson> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const text = await readFile(path, 'utf8').catch(() => '');
    if (text) {
      const info = JSON.parse(text) as EngineJson;
      if (pid === undefined || info.pid === pid) return info;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`engine.json did not appear at ${path}`);
}

/** One authenticated call to an engine: status, body text, and the body as JSON on demand. */
export type EngineCall = (
  method: string,
  path: string,
  body?: unknown,
) => Promise<{
  status: number;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: a test reads the fields it asserts on, as JSON.parse gives them
  json: () => any;
}>;

export function engineCall(info: EngineJson): EngineCall {
  return async (method, path, body) => {
    const res = await request(`http://${info.endpoint}${path}`, {
      method: method as 'GET',
      headers: { authorization: `Bearer ${info.authToken}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.body.text();
    return { status: res.statusCode, text, json: () => JSON.parse(text) };
  };
}

/**
 * The engine binary on a loopback port of its own, writing `json`, with no idle timeout (the
 * crash and chaos tests kill and restart it), once its engine.json names it.
 */
export async function spawnLoopbackEngine(t: Test, json: string, timeoutMs?: number) {
  const e = spawnEngine(t, [
    '--listen',
    '127.0.0.1:0',
    '--write-engine-json',
    json,
    '--idle-timeout',
    '0',
  ]);
  const info = await waitForEngineJson(json, e.child.pid, timeoutMs);
  return { ...e, info, call: engineCall(info) };
}

/** The engine of `stateDir` started in this process, after a killed one: to read what it repaired. */
export const reopenEngine = (stateDir: string, json: string) =>
  startEngine({ host: '127.0.0.1', port: 0, stateDir, engineJson: json, idleTimeoutMs: 0 });

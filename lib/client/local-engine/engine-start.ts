import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { START_FAILED } from '../../engine-files/start-failure.js';
import { engineLogPath } from '../../engine-files/state-dir.js';
import { fileSystemReason } from '../../files/fs-reason.js';
import { makeDirs } from '../../files/make-dirs.js';
import type { SqlrsError } from '../errors.js';
import type { EngineRef } from './engine-ref.js';
import { liveEngine } from './live-engine.js';
import { spawnLock } from './spawn-lock.js';
import { startFailed } from './start-failed.js';

// Long enough for a start on a busy machine; an engine that exits is reported at once anyway.
const HEALTH_WAIT_MS = 30_000;

/**
 * Starts the engine of a state dir (docs/cli.md): under a spawn lock so that parallel first calls
 * start a single engine, then waits for it to answer health.
 */
export async function startEngine(stateDir: string, env: NodeJS.ProcessEnv): Promise<EngineRef> {
  try {
    makeDirs(stateDir, 0o700);
  } catch (err) {
    throw startFailed(`cannot create ${stateDir}: ${fileSystemReason(err)}`);
  }
  const unlock = await spawnLock(join(stateDir, 'spawn.lock'), HEALTH_WAIT_MS * 2);
  try {
    const started = await liveEngine(stateDir); // another CLI or client may have started it meanwhile
    if (started) return started;
    const logAt = sizeOf(engineLogPath(stateDir));
    const ended = startDetached(stateDir, env);
    return await waitForHealth(stateDir, () =>
      ended.reason === undefined ? undefined : startFailure(stateDir, logAt, ended),
    );
  } finally {
    unlock();
  }
}

function enginePath(): string {
  return join(
    dirname(fileURLToPath(import.meta.url)),
    '..',
    '..',
    '..',
    '..',
    'bin',
    'sqlrs-engine.js',
  );
}

/** How a started engine ended, once it has: an exit (code or signal), or an error spawning it. */
interface Ended {
  reason?: string;
}

function startDetached(stateDir: string, env: NodeJS.ProcessEnv): Ended {
  const args = [
    '--listen',
    '127.0.0.1:0',
    '--write-engine-json',
    join(stateDir, 'engine.json'),
    '--idle-timeout',
    '120s',
  ];
  const custom = env.SQLRS_DAEMON_PATH;
  const child = custom
    ? spawn(custom, args, { detached: true, stdio: 'ignore', env })
    : spawn(process.execPath, [enginePath(), ...args], { detached: true, stdio: 'ignore', env });
  const ended: Ended = {};
  child.on('error', (err) => {
    ended.reason = `could not be started: ${err.message}`;
  });
  child.on('exit', (code, signal) => {
    ended.reason ??= `${signal ? `was killed by ${signal}` : `exited with code ${code}`} while starting`;
  });
  child.unref();
  return ended;
}

/** Waits for the engine to answer; `failed` says why it never will (it is gone), if it is. */
async function waitForHealth(
  stateDir: string,
  failed: () => SqlrsError | undefined,
): Promise<EngineRef> {
  const deadline = Date.now() + HEALTH_WAIT_MS;
  while (Date.now() < deadline) {
    const live = await liveEngine(stateDir);
    if (live) return live;
    const err = failed();
    if (err) throw err;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw startFailed(
    `the engine did not start within ${HEALTH_WAIT_MS / 1000} s`,
    `see ${engineLogPath(stateDir)}`,
  );
}

/**
 * An engine that exited while starting logged why (runtime/process/engine-main.ts): the caller shows that
 * at once rather than waiting out the health timeout to point at the log.
 */
function startFailure(stateDir: string, logAt: number, ended: Ended): SqlrsError {
  const log = engineLogPath(stateDir);
  const reason = lastStartFailure(log, logAt);
  return reason
    ? startFailed(`the engine could not start: ${reason}`, `see ${log}`)
    : startFailed(`the engine ${ended.reason}`, `see ${log}`);
}

function lastStartFailure(log: string, from: number): string | undefined {
  let text: string;
  try {
    text = readFileSync(log).subarray(from).toString('utf8');
  } catch {
    return undefined;
  }
  const lines = text.split('\n').filter((l) => l.includes(START_FAILED));
  try {
    return (JSON.parse(lines.at(-1) ?? '') as { message?: string }).message;
  } catch {
    return undefined;
  }
}

const sizeOf = (path: string) => {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
};

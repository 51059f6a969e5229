import { join } from 'node:path';
import { readEngineJson } from '../lib/engine-files/engine-json.js';
import { pidAlive } from '../lib/engine-files/pid-alive.js';
import type { EngineRef } from './client.js';
import { sendForText } from './http.js';

/** The engine named by engine.json, if it is alive and answers health with the same identity. */
export async function liveEngine(stateDir: string): Promise<EngineRef | undefined> {
  const info = await readEngineJson(join(stateDir, 'engine.json'));
  if (!info || !pidAlive(info.pid)) return undefined;
  try {
    const res = await sendForText(`http://${info.endpoint}/v1/health`, { idleTimeoutMs: 2000 });
    const body = JSON.parse(res.text) as { instanceId?: string };
    if (res.status !== 200 || body.instanceId !== info.instanceId) return undefined;
  } catch {
    return undefined;
  }
  return { ...info, stateDir };
}

/**
 * Finds the engine of a state dir, or starts one (docs/cli.md). The code that starts one is loaded
 * only when none answers: most calls find it running, and node:child_process alone costs a few
 * milliseconds to load (docs/performance.md, "CLI").
 */
export async function findOrStartEngine(stateDir: string, env = process.env): Promise<EngineRef> {
  const live = await liveEngine(stateDir);
  if (live) return live;
  const { startEngine } = await import('./engine-start.js');
  return startEngine(stateDir, env);
}

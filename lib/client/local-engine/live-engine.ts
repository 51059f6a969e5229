import { join } from 'node:path';
import { readEngineJson } from '../../engine-files/engine-json.js';
import { pidAlive } from '../../engine-files/pid-alive.js';
import type { EngineRef } from './engine-ref.js';
import { sendForText } from './http.js';

/**
 * The engine named by engine.json, if it is alive and answers health with the same identity
 * (instanceId and pid).
 * Both finding an engine (discovery.ts) and waiting for a started one (engine-start.ts)
 * ask this.
 */
export async function liveEngine(stateDir: string): Promise<EngineRef | undefined> {
  const info = await readEngineJson(join(stateDir, 'engine.json'));
  if (!info || !pidAlive(info.pid)) return undefined;
  try {
    const res = await sendForText(`http://${info.endpoint}/v1/health`, { idleTimeoutMs: 2000 });
    const body = JSON.parse(res.text) as { instanceId?: string; pid?: number };
    // The pid too: `sqlrs stop` signals the pid of engine.json, which must be the engine's own.
    if (res.status !== 200 || body.instanceId !== info.instanceId || body.pid !== info.pid)
      return undefined;
  } catch {
    return undefined;
  }
  return { ...info, stateDir };
}

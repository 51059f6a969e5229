import type { EngineRef } from './engine-ref.js';
import { liveEngine } from './live-engine.js';

/**
 * Finds the engine of a state dir, or starts one (docs/cli.md): the CLI and the JS client
 * (docs/client.md) both call this. The code that starts one is loaded
 * only when none answers: most calls find it running, and node:child_process alone costs a few
 * milliseconds to load (docs/performance.md, "CLI").
 */
export async function findOrStartEngine(stateDir: string, env = process.env): Promise<EngineRef> {
  const live = await liveEngine(stateDir);
  if (live) return live;
  const { startEngine } = await import('./engine-start.js');
  return startEngine(stateDir, env);
}

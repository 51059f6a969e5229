import type { EngineConfig } from '../../lib/config.js';
import { createEngineCore, type EngineCore } from '../engine-core.js';

/** What a cloud function passes: where the catalog lives, the token, and the engine config. */
export interface CloudOptions {
  stateDir: string;
  authToken: string;
  config?: EngineConfig;
  env?: NodeJS.ProcessEnv;
}

/**
 * The engine core of a function instance, made on first use (a cold start pays for it once)
 * and closed by the handler's close().
 */
export function lazyCore(opts: CloudOptions) {
  let core: Promise<EngineCore> | undefined;
  return {
    get: () => {
      core ??= createEngineCore({
        stateDir: opts.stateDir,
        authToken: opts.authToken,
        config: opts.config,
        env: opts.env,
      });
      return core;
    },
    close: async () => {
      if (core) await (await core).close();
      core = undefined;
    },
  };
}

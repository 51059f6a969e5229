import type { EngineConfig } from '../../lib/config.js';
import type { Exposure } from '../../lib/trust.js';
import { createEngineCore, type EngineCore } from '../compose/engine-core.js';

/** What a cloud function passes: where the catalog lives, the token, and the engine config. */
export interface CloudOptions {
  stateDir: string;
  authToken: string;
  config?: EngineConfig;
  env?: NodeJS.ProcessEnv;
  /**
   * Who can reach the function. Default `remote`: the safe settings of docs/security.md unless
   * the config names others. `loopback` only for a function no one else can call.
   */
  exposure?: Exposure;
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
        exposure: opts.exposure ?? 'remote',
      });
      return core;
    },
    close: async () => {
      if (core) await (await core).close();
      core = undefined;
    },
  };
}

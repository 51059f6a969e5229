import { parseDuration } from './duration.js';
import type { EngineConfig } from './schema-types.js';

/**
 * Who can reach the engine: `loopback` is the local engine on 127.0.0.0/8, ::1 or localhost,
 * reached only by the OS user's own programs; `remote` is any other listen address and every
 * cloud adapter (docs/security.md).
 */
export type Exposure = 'loopback' | 'remote';

/** Who builds run as and instances log in as (docs/architecture.md, "Who can reach what"). */
export type BuildRole = 'restricted' | 'admin';

/** The settings that draw the trust boundary, with the defaults of the exposure filled in. */
export interface TrustSettings {
  exposure: Exposure;
  /** Every psql step runs under `\restrict` with a fresh key; includes are inlined. */
  psqlRestrict: boolean;
  /** Steps may read files on the engine host (-f, includes, \copy from a file, source). */
  hostFiles: boolean;
  /** restricted: a non-superuser build role and a login per instance; admin: the server URL's. */
  buildRole: BuildRole;
  /** Longest run of one step in ms; 0 means no limit. */
  stepTimeoutMs: number;
}

export const DEFAULT_STEP_TIMEOUT = '30m';

/** The trust settings of an engine: what config.json says, else the exposure's defaults. */
export function trustSettings(config: EngineConfig, exposure: Exposure): TrustSettings {
  const remote = exposure === 'remote';
  return {
    exposure,
    psqlRestrict: config.psql_restrict ?? remote,
    hostFiles: config.host_files ?? !remote,
    buildRole: config.build_role ?? (remote ? 'restricted' : 'admin'),
    stepTimeoutMs: parseDuration(config.step_timeout ?? DEFAULT_STEP_TIMEOUT),
  };
}

/** A listen host is loopback when only this machine's programs can reach it. */
export function exposureOfHost(host: string): Exposure {
  const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)) {
    return 'loopback';
  }
  return 'remote';
}

import { parseDuration } from '../duration.js';
import type { EngineConfig } from '../schema-types.js';

/** The lifecycle's config fields, in milliseconds (docs/lifecycle.md). */
export interface LifecycleSettings {
  /** Sliding expiry of an unnamed instance prepared without ttl_seconds; 0: never. */
  instanceTtlMs: number;
  reapIntervalMs: number;
  /** How long an expired instance with sessions is kept before they are terminated. */
  graceMs: number;
}

export const DEFAULT_INSTANCE_TTL = '24h';
export const DEFAULT_REAP_INTERVAL = '30s';
export const DEFAULT_EXPIRY_GRACE = '5m';

/** The longest TTL a request may ask for: 31 days (schemas/prepare-request.json). */
export const MAX_TTL_SECONDS = 2_678_400;

const HOUR = 3_600_000;
/**
 * Bounds, so that a typo (`2400000h`) is refused at start instead of becoming a date past
 * what timestamps can hold, or a timer Node fires at once (anything over 2^31 - 1 ms).
 */
const BOUNDS: Record<'instance_ttl' | 'reap_interval' | 'expiry_grace', [number, number, string]> =
  {
    instance_ttl: [0, 366 * 24 * HOUR, '0 to 8784h'],
    reap_interval: [10, 24 * HOUR, '10ms to 24h'],
    expiry_grace: [0, 366 * 24 * HOUR, '0 to 8784h'],
  };

function bounded(config: EngineConfig, field: keyof typeof BOUNDS, fallback: string): number {
  const text = config[field] ?? fallback;
  const [min, max, range] = BOUNDS[field];
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch (err) {
    throw new Error(`${field}: ${(err as Error).message}`);
  }
  if (!(ms >= min && ms <= max)) throw new Error(`${field} must be ${range}, got ${text}`);
  return ms;
}

/** Reads and checks the fields; a bad one throws an error that names it. */
export function lifecycleSettings(config: EngineConfig): LifecycleSettings {
  return {
    instanceTtlMs: bounded(config, 'instance_ttl', DEFAULT_INSTANCE_TTL),
    reapIntervalMs: bounded(config, 'reap_interval', DEFAULT_REAP_INTERVAL),
    graceMs: bounded(config, 'expiry_grace', DEFAULT_EXPIRY_GRACE),
  };
}

import { parseDuration } from '../duration.js';
import type { EngineConfig } from '../schema-types.js';

/** Per server: 10 GiB of states and warm copies (config `cache_max_bytes`). */
export const DEFAULT_CACHE_MAX_BYTES = 10 * 1024 ** 3;
export const DEFAULT_CACHE_LOW_WATERMARK = 0.8;
export const DEFAULT_CACHE_MIN_AGE = '10m';
/** 8784h (366 days), the bound of instance_ttl and expiry_grace too. */
const MAX_CACHE_MIN_AGE_MS = 366 * 24 * 3_600_000;

/** The cache budget as the engine applies it (docs/lifecycle.md, Cache budget and eviction). */
export interface CacheBudget {
  /** Bytes per server; 0: no budget. */
  maxBytes: number;
  /** A pass evicts down to maxBytes * lowWatermark. */
  lowWatermark: number;
  /** A state used this recently (ms) is never evicted. */
  minAgeMs: number;
}

/**
 * The budget of a config. The config schema refuses bad values at start already; this says the
 * same for a config given in code (a cloud function's), naming the field.
 */
export function cacheBudget(config: EngineConfig): CacheBudget {
  const maxBytes = config.cache_max_bytes ?? DEFAULT_CACHE_MAX_BYTES;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0)
    throw new Error(`cache_max_bytes must be a whole number of bytes, 0 or more (got ${maxBytes})`);
  const lowWatermark = config.cache_low_watermark ?? DEFAULT_CACHE_LOW_WATERMARK;
  if (!(lowWatermark > 0 && lowWatermark <= 1))
    throw new Error(`cache_low_watermark must be in (0, 1] (got ${lowWatermark})`);
  const minAge = config.cache_min_age ?? DEFAULT_CACHE_MIN_AGE;
  let minAgeMs: number;
  try {
    minAgeMs = parseDuration(minAge);
  } catch (err) {
    throw new Error(`cache_min_age: ${(err as Error).message}`);
  }
  // Bounded like the lifecycle's other durations (settings.ts): past them, a pass's dates
  // would not be dates at all.
  if (!(minAgeMs <= MAX_CACHE_MIN_AGE_MS))
    throw new Error(`cache_min_age must be 0 to 8784h, got ${minAge}`);
  return { maxBytes, lowWatermark, minAgeMs };
}

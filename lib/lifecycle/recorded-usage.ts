import { type EngineConfig, imageTarget } from '../config.js';
import type { Store } from '../store/types.js';

/**
 * How often a pass measures the servers even when the catalog's record says every one is
 * within its budget (docs/lifecycle.md, A pass): what the record does not count (copies of an
 * empty base, a database grown since it was published) is seen within this long.
 */
export const MEASURE_AT_LEAST_EVERY_MS = 5 * 60_000;

/**
 * Whether the bytes the catalog recorded on some server (its images' states and warm copies,
 * Store.recordedBytes) exceed `maxBytes`: one row per image is read, not every state, so a pass
 * after each build costs the same at any catalog size. Images no longer configured are left
 * out, as a pass leaves them out.
 */
export function recordedOverBudget(store: Store, config: EngineConfig, maxBytes: number): boolean {
  const byUrl = new Map<string, number>();
  for (const [imageId, bytes] of store.recordedBytes()) {
    let url: string;
    try {
      url = imageTarget(config, imageId).url;
    } catch {
      continue;
    }
    const total = (byUrl.get(url) ?? 0) + bytes;
    if (total > maxBytes) return true;
    byUrl.set(url, total);
  }
  return false;
}

import { type EngineConfig, imageTarget } from '../config.js';
import type { Store } from '../store/types.js';

/**
 * How often a pass measures the servers even when the catalog's record says every one is
 * within its budget (docs/lifecycle.md, A pass): what the record does not count (copies of an
 * empty base, a database grown since it was published) is seen within this long.
 */
export const MEASURE_AT_LEAST_EVERY_MS = 5 * 60_000;

/**
 * The first measure after a start, whatever the record says: an engine started on demand lives
 * at least its idle timeout (2 minutes from the CLI), so each start is measured once, but not
 * while the start's own reads and the first requests run.
 */
export const FIRST_MEASURE_AFTER_START_MS = 60_000;

/**
 * Whether a server may be over `maxBytes`, judged from what the catalog recorded (its images'
 * states and warm copies, Store.recordedBytes): one row per image is read, not every state, so
 * a pass after each build costs the same at any catalog size. A MySQL server with states is
 * always a maybe: its sizes at publish come from InnoDB statistics, which lag a bulk load (a
 * table of 200,000 rows recorded at 48 KiB). Images no longer configured are left out, as a
 * pass leaves them out.
 */
export function mayBeOverBudget(store: Store, config: EngineConfig, maxBytes: number): boolean {
  const byUrl = new Map<string, number>();
  for (const [imageId, bytes] of store.recordedBytes()) {
    let target: ReturnType<typeof imageTarget>;
    try {
      target = imageTarget(config, imageId);
    } catch {
      continue;
    }
    if (target.kind === 'mysql') return true;
    const total = (byUrl.get(target.url) ?? 0) + bytes;
    if (total > maxBytes) return true;
    byUrl.set(target.url, total);
  }
  return false;
}

import { errorCode } from '../errors.js';
import type { Store, StoreWriter } from './types.js';

/**
 * A write that records what already happened on a server (a database dropped, a build or
 * clone given up, the records of a failed job cleared), so it must reach the catalog even when
 * the catalog cannot be written now: left out, a row would name a database that is gone, or a
 * pending record would wait for the next start's reconciliation. A shared catalog's failed
 * write left nothing in its replica: the same change is committed there instead, and the
 * store's background flush retries it until the server answers (docs/scaling.md, Failures).
 * An embedded catalog's failed write is committed in memory already (only saving it failed).
 * The error is thrown either way: the caller's operation still fails. `fn` must do the same
 * when run twice (deletes of its own rows and records).
 */
export async function writeOrQueue(store: Store, fn: (w: StoreWriter) => void): Promise<void> {
  try {
    await store.write(fn);
  } catch (err) {
    const code = errorCode(err);
    if (store.shared && (code === 'unavailable' || code === 'busy')) store.commit(fn);
    throw err;
  }
}

import { sqlrsError, timedOut } from '../../errors.js';
import type { TaskInput, TaskOutput } from '../../tasks.js';
import type { PrepareContext } from '../context.js';
import type { HashTaskName } from './hash-cache.js';

/** How long hashing one request's steps may take when config.json says nothing. */
export const DEFAULT_HASH_TIMEOUT = '5m';

/**
 * Runs a hashing task for a request (through the hash cache when there is one), for at most
 * `hash_timeout`, and only while the request's client waits for the answer: a client that
 * leaves (`clientGone`) stops its hashing, which would otherwise run on in a worker thread for
 * nobody. Either ends the task's thread (runtime/pool/pool.ts). docs/prepare.md, "Limits".
 */
export async function hashWithLimits<K extends HashTaskName>(
  ctx: PrepareContext,
  task: K,
  input: TaskInput<K>,
  clientGone?: AbortSignal,
): Promise<TaskOutput<K>> {
  const stop = new AbortController();
  const timer =
    ctx.hashTimeoutMs > 0 ? setTimeout(() => stop.abort(), ctx.hashTimeoutMs) : undefined;
  const leave = () => stop.abort();
  if (clientGone?.aborted) leave();
  clientGone?.addEventListener('abort', leave, { once: true });
  try {
    return await (ctx.hashCache
      ? ctx.hashCache.run(ctx.pool, task, input, stop.signal)
      : ctx.pool.run(task, input, undefined, stop.signal));
  } catch (err) {
    if (!stop.signal.aborted) throw err;
    if (clientGone?.aborted)
      throw sqlrsError('cancelled', 'the client left before its steps were hashed: nothing queued');
    throw timedOut(
      "hashing the request's steps",
      'hash_timeout',
      ctx.hashTimeoutMs,
      'split a big script into steps or includes, or raise hash_timeout in config.json',
    );
  } finally {
    clearTimeout(timer);
    clientGone?.removeEventListener('abort', leave);
  }
}

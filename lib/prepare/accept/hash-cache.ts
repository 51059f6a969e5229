import { fileIdentity } from '../../files/file-identity.js';

/** What the cache runs a hashing task on when it has no result to reuse: the worker pool. */
export interface HashRunner {
  // biome-ignore lint/suspicious/noExplicitAny: inputs and results are typed by the task
  run(task: string, input: any, transferList?: undefined, signal?: AbortSignal): Promise<any>;
}

/** Requests bigger than this (a large stdin) are hashed every time rather than kept. */
const MAX_KEY_CHARS = 64 * 1024;

interface Entry {
  // biome-ignore lint/suspicious/noExplicitAny: the cached value is the task's own result
  result: any;
  identities: Record<string, string>;
}

/**
 * Reuses a hashing task's result while every file it read keeps its identity (size, mtime,
 * ctime, inode: lib/files/file-identity.ts), so a cache hit costs a few stat calls in the main thread
 * instead of a round trip to a worker that reads and hashes everything again. The content
 * hash stays the source of truth: the task decides which results may be kept (only those
 * whose files had settled before they were read), and any change of identity re-hashes.
 */
export class HashCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly maxEntries = 256) {}

  // biome-ignore lint/suspicious/noExplicitAny: inputs and results are typed by the task
  async run(pool: HashRunner, task: string, input: unknown, signal?: AbortSignal): Promise<any> {
    const key = `${task}\u0000${JSON.stringify(input)}`;
    if (key.length > MAX_KEY_CHARS) return pool.run(task, input, undefined, signal);
    const hit = this.entries.get(key);
    if (hit && Object.entries(hit.identities).every(([path, id]) => fileIdentity(path) === id)) {
      this.entries.delete(key); // most recently used goes last
      this.entries.set(key, hit);
      return hit.result;
    }
    const result = await pool.run(task, input, undefined, signal);
    this.entries.delete(key);
    if (result.ok && result.identities) {
      this.entries.set(key, { result, identities: result.identities });
      if (this.entries.size > this.maxEntries)
        this.entries.delete(this.entries.keys().next().value as string);
    }
    return result;
  }

  get size(): number {
    return this.entries.size;
  }
}

import type { ListCache } from './list-cache.js';

/**
 * List responses: a JSON array, or NDJSON when the client asks for it (SPEC §4). Rows come from
 * the catalog a page at a time and leave as chunks, so a listing of any size is never built in
 * memory as a whole.
 */

export const NDJSON = 'application/x-ndjson';
export const PAGE_SIZE = 500;

export function wantsNdjson(accept: string | undefined): boolean {
  return accept?.toLowerCase().includes(NDJSON) ?? false;
}

/** Keyset pagination over a synchronous page reader; yields to the event loop between pages. */
export async function* pages<T>(
  read: (after: string | undefined, limit: number) => T[],
  key: (row: T) => string,
  pageSize = PAGE_SIZE,
): AsyncGenerator<T[]> {
  let after: string | undefined;
  for (;;) {
    const page = read(after, pageSize);
    if (page.length > 0) yield page;
    if (page.length < pageSize) return;
    after = key(page[page.length - 1] as T);
  }
}

/** A list that is already in memory (jobs, tasks), as the page source list responses take. */
export async function* onePage<T>(rows: T[]): AsyncGenerator<T[]> {
  if (rows.length > 0) yield rows;
}

export async function* ndjsonChunks(source: AsyncIterable<unknown[]>): AsyncGenerator<string> {
  for await (const page of source) {
    let chunk = '';
    for (const row of page) chunk += `${JSON.stringify(row)}\n`;
    yield chunk;
  }
}

export async function* jsonArrayChunks(source: AsyncIterable<unknown[]>): AsyncGenerator<string> {
  let first = true;
  yield '[';
  for await (const page of source) {
    let chunk = '';
    for (const row of page) {
      chunk += first ? JSON.stringify(row) : `,${JSON.stringify(row)}`;
      first = false;
    }
    yield chunk;
  }
  yield ']';
}

export interface StreamedList {
  status: number;
  headers: Record<string, string>;
  stream?: AsyncIterable<string | Uint8Array>;
  /** A kept listing, sent as it is. */
  bytes?: Uint8Array;
}

export function listResponse(source: AsyncIterable<unknown[]>, accept?: string): StreamedList {
  const nd = wantsNdjson(accept);
  return {
    status: 200,
    headers: { 'content-type': nd ? NDJSON : 'application/json' },
    stream: nd ? ndjsonChunks(source) : jsonArrayChunks(source),
  };
}

export interface CachedPages<T> {
  cache: ListCache;
  /** The catalog's write generation. */
  generation: () => number;
  /** What identifies the listing (its route and filters). */
  key: string;
  read: (after: string | undefined, limit: number) => T[];
  rowKey: (row: T) => string;
}

/**
 * A list response kept per catalog generation (lib/list-cache.ts): rendered a page at a time
 * as listResponse does, the bytes kept when the whole listing fits the cache and the catalog
 * did not change while it was read; an unchanged catalog's listing is then sent as one
 * buffer with its length, like a static file.
 */
export function cachedListResponse<T>(src: CachedPages<T>, accept?: string): StreamedList {
  const listing = listResponse(pages(src.read, src.rowKey), accept); // lazy: nothing read yet
  const key = `${src.key}\u0000${listing.headers['content-type']}`;
  const kept = src.cache.get(src.generation(), key);
  if (kept) return { status: 200, headers: listing.headers, bytes: kept };
  return { ...listing, stream: keepWhole(src, key, listing.stream as AsyncIterable<string>) };
}

/** Passes the chunks on encoded, keeping a copy of them while they still fit the cache. */
async function* keepWhole<T>(
  src: CachedPages<T>,
  key: string,
  chunks: AsyncIterable<string>,
): AsyncGenerator<Buffer> {
  const generation = src.generation();
  let kept: Buffer[] | undefined = [];
  let size = 0;
  for await (const chunk of chunks) {
    const bytes = Buffer.from(chunk);
    if (
      kept &&
      src.generation() === generation &&
      src.cache.fits(generation, size + bytes.length)
    ) {
      kept.push(bytes);
      size += bytes.length;
    } else kept = undefined; // too big, or read across a change: not one generation's listing
    yield bytes;
  }
  if (kept && src.generation() === generation)
    src.cache.set(generation, key, Buffer.concat(kept, size));
}

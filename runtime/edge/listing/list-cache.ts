import { KeptListing } from './kept-listing.js';
import { jsonArrayChunks, listResponse, ndjsonChunks, pages, type StreamedList } from './stream.js';

/**
 * Rendered listings, kept across writes and patched. Rendering 10,000 states from sql.js took
 * about 40 times longer than sending them (bench/states-list), and every prepare changes its
 * state's entry; so a kept listing is brought up to date by rendering again only the rows the
 * catalog says changed since it was made, and sent as its chunks' bytes. A handler asks for its
 * response with `respond`.
 *
 * Bounded by bytes: a listing that does not fit is rendered per request and not kept, so
 * memory stays bounded whatever the number of rows.
 */
export class ListCache {
  /** Each kept listing, with what brings it to the current generation. */
  private readonly entries = new Map<string, { listing: KeptListing; patch: () => boolean }>();
  private refreshing = false;

  /**
   * @param maxListings every commit patches every kept listing, so their number is bounded too
   *   (least recently used out), not only their bytes.
   */
  constructor(
    readonly maxBytes = DEFAULT_LIST_CACHE_BYTES,
    readonly maxListings = 16,
  ) {}

  /**
   * The list response for `source`: its kept listing, patched to the current generation, or
   * else rendered a page at a time and kept when the whole listing fits.
   */
  respond<T>(source: ListSource<T>, accept?: string): StreamedList {
    return cachedListResponse(this, source, accept);
  }

  get(key: string): KeptListing | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key); // most recently used last
    this.entries.set(key, entry);
    return entry.listing;
  }

  /** Keeps a listing, and how to read it again, if it fits beside the others; says whether. */
  keep<T>(src: ListSource<T>, listing: KeptListing): boolean {
    this.entries.delete(src.key);
    if (!this.fits(listing.bytes)) return false;
    if (this.entries.size >= this.maxListings)
      this.drop(this.entries.keys().next().value as string);
    this.entries.set(src.key, { listing, patch: () => patched(this, src, listing) });
    return true;
  }

  drop(key: string): void {
    this.entries.delete(key);
  }

  /** Whether this many more bytes could still be kept. */
  fits(bytes: number): boolean {
    return this.size + bytes <= this.maxBytes;
  }

  /** Bytes held. */
  get size(): number {
    let bytes = 0;
    for (const e of this.entries.values()) bytes += e.listing.bytes;
    return bytes;
  }

  /**
   * The catalog changed: patch the kept listings soon, in a turn of their own, so that the next
   * request for one finds it current and only sends it. A request that comes first patches it
   * itself.
   */
  changed(): void {
    if (this.refreshing || this.entries.size === 0) return;
    this.refreshing = true;
    setImmediate(() => {
      this.refreshing = false;
      this.refresh();
    });
  }

  /** Brings every kept listing to the current generation, with the encodings it was sent in. */
  refresh(): void {
    for (const [key, { listing, patch }] of this.entries) {
      try {
        if (patch()) listing.encodeAsSent();
      } catch {
        this.drop(key); // the catalog closed under it, say: render it again if asked
      }
    }
    if (!this.fits(0)) this.entries.clear();
  }
}

export const DEFAULT_LIST_CACHE_BYTES = 32 * 1024 * 1024;

/** A listing as the cache reads it: its pages, and what tells it which rows changed. */
export interface ListSource<T> {
  /** The catalog's write generation. */
  generation: () => number;
  /** What identifies the listing (its route and filters). */
  key: string;
  read: (after: string | undefined, limit: number) => T[];
  rowKey: (row: T) => string;
  /** Keys whose rows changed after a generation; undefined when that is not known. */
  changedSince: (generation: number) => Set<string> | undefined;
  /** The listing's current rows among these keys. */
  readKeys: (keys: string[]) => T[];
}

/**
 * A list response from a kept listing, patched to the current generation first; or, the first
 * time, rendered a page at a time as listResponse does, the rows kept when the whole listing
 * fits the cache.
 */
function cachedListResponse<T>(
  cache: ListCache,
  src: ListSource<T>,
  accept?: string,
): StreamedList {
  const listing = listResponse(pages(src.read, src.rowKey), accept); // lazy: nothing read yet
  const ndjson = listing.headers['content-type'] !== 'application/json';
  const kept = cache.get(src.key);
  if (kept && patched(cache, src, kept)) {
    const chunks = kept.body(ndjson);
    if (!cache.fits(0)) cache.drop(src.key); // too big now, with its encodings
    return { status: 200, headers: listing.headers, chunks };
  }
  return { ...listing, stream: keepWhole(cache, src, ndjson) };
}

/** Changed rows always patched rather than the listing rendered again, however small it is. */
const ALWAYS_PATCHED_ROWS = 64;

/**
 * Brings a kept listing to the current generation by rendering again the rows that changed;
 * false (and dropped) when the catalog no longer knows what changed, when so much changed that
 * rendering it all is as cheap, or when it outgrew the cache.
 */
function patched<T>(cache: ListCache, src: ListSource<T>, kept: KeptListing): boolean {
  const now = src.generation();
  if (kept.generation === now) return true;
  const changed = src.changedSince(kept.generation);
  if (!changed || changed.size > kept.rows / 4 + ALWAYS_PATCHED_ROWS) {
    cache.drop(src.key);
    return false;
  }
  kept.generation = now;
  if (changed.size === 0) return true; // writes that touched no entry (the warm pool's, say)
  const keys = [...changed];
  const rows = new Map(src.readKeys(keys).map((r) => [src.rowKey(r), JSON.stringify(r)]));
  for (const key of keys) kept.put(key, rows.get(key));
  if (cache.fits(0)) return true;
  cache.drop(src.key);
  return false;
}

/**
 * Passes the rendered chunks on, encoded, keeping the rows while they still fit the cache.
 * Rows read across a write may be of either generation: the listing is kept as of the
 * generation it started at and patched at once, which reads those rows again.
 */
async function* keepWhole<T>(
  cache: ListCache,
  src: ListSource<T>,
  ndjson: boolean,
): AsyncGenerator<Buffer> {
  let kept: KeptListing | undefined = new KeptListing(src.generation());
  const keep = (row: unknown, text: string) => {
    if (!kept) return;
    kept.append(src.rowKey(row as T), text);
    if (!cache.fits(kept.bytes)) kept = undefined; // too big: streamed every time
  };
  const source = pages(src.read, src.rowKey);
  const chunks = ndjson ? ndjsonChunks(source, keep) : jsonArrayChunks(source, keep);
  for await (const chunk of chunks) yield Buffer.from(chunk);
  cache.drop(src.key);
  if (kept && cache.keep(src, kept)) patched(cache, src, kept);
}

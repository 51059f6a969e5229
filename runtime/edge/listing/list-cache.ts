import { setImmediate as nextTurn } from 'node:timers/promises';
import { KeptListing } from './kept-listing.js';
import { jsonArrayChunks, listResponse, ndjsonChunks, pages, type StreamedList } from './stream.js';

/**
 * Rendered listings, kept across writes and patched. Rendering 10,000 states from sql.js took
 * about 40 times longer than sending them (bench/states-list), and every prepare changes its
 * state's entry; so a kept listing is brought up to date by rendering again only the rows the
 * catalog says changed since it was made, and sent as its chunks' bytes. A handler asks for its
 * response with `respond`.
 *
 * Bounded by bytes: a listing that does not fit what is left is kept in part, its first rows
 * up to the bytes left, and the rest rendered per request; so memory stays bounded whatever
 * the number of rows, and a listing larger than the bound still leaves mostly as kept bytes.
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

  /**
   * Keeps a listing, and how to read it again, in part if only part fits beside the others;
   * says whether any of it is kept.
   */
  keep<T>(src: ListSource<T>, listing: KeptListing): boolean {
    this.entries.delete(src.key);
    if (!listing.truncate(this.free())) return false;
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

  /** Bytes not held, that one more listing could take. */
  free(): number {
    return Math.max(0, this.maxBytes - this.size);
  }

  /**
   * Back within the bound after a listing grew (a patch, a format's encoding): the listing
   * keeps the first chunks that fit beside the others, and is dropped when none do.
   */
  trim(key: string): void {
    const entry = this.entries.get(key);
    if (!entry || this.fits(0)) return;
    const others = this.size - entry.listing.bytes;
    if (!entry.listing.truncate(Math.max(0, this.maxBytes - others))) this.drop(key);
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
        this.trim(key);
      } catch {
        this.drop(key); // the catalog closed under it, say: render it again if asked
      }
    }
  }
}

/**
 * Enough for the state and instance listings of a catalog of 100,000 states and 100,000
 * instances (39 and 29 MiB a format, 146 MiB in both formats with their keys) with room to
 * spare (docs/performance.md, Catalog growth); an engine with fewer rows holds what its
 * listings take, not this.
 */
export const DEFAULT_LIST_CACHE_BYTES = 192 * 1024 * 1024;

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
  /** For rows that change with the clock as well as with writes (an instance's expiry). */
  clock?: ListClock;
}

/**
 * The clock of rows rendered from it (an instance entry is `expired` once its expiry is past):
 * a kept listing stays what a render now would give by rendering again the rows whose entries
 * changed between the times its rows were rendered at and now.
 */
export interface ListClock {
  /** The time (ISO) a read now renders its rows at. */
  now: () => string;
  /** Keys whose rows differ between times `after` and `through` (ISO), at most `limit`. */
  changedBetween: (after: string, through: string, limit: number) => string[];
}

/**
 * A list response from a kept listing, patched to the current generation first (its bytes
 * alone, or its first rows' bytes followed by the rest rendered); or, the first time, rendered
 * a page at a time as listResponse does, the rows kept as far as they fit the cache.
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
    if (!ndjson && kept.jsonToMake > JSON_CHUNKS_A_TURN)
      return { ...listing, stream: jsonMadeThenSent(cache, src, kept, accept) };
    return keptResponse(cache, src, kept, ndjson, listing);
  }
  return { ...listing, stream: keepWhole(cache, src, ndjson) };
}

/** The response of a kept listing that is current: its bytes, or its first rows' and the rest. */
function keptResponse<T>(
  cache: ListCache,
  src: ListSource<T>,
  kept: KeptListing,
  ndjson: boolean,
  listing: StreamedList,
): StreamedList {
  const through = kept.through;
  const parts = through === undefined ? kept.body(ndjson) : kept.parts(ndjson);
  cache.trim(src.key); // a format's encoding made just now may not fit beside the others
  if (through === undefined) return { status: 200, headers: listing.headers, chunks: parts };
  const rest = restAfter(src, through, ndjson, parts.length > 0);
  return { ...listing, stream: prefixThenRest(parts, rest, ndjson) };
}

/**
 * Making a kept listing's JSON bytes from its NDJSON lines costs about 0.3 ms a chunk (a
 * 100,000-row listing held the event loop 31 ms): made this many chunks a turn, then sent;
 * 32 a turn were 10 ms on a quiet machine, the bound on a stall (docs/performance.md).
 */
const JSON_CHUNKS_A_TURN = 12;

/**
 * A kept listing sent as JSON for the first time: its JSON bytes made a few chunks a turn,
 * then sent as it is then (patched meanwhile by commits, or rendered when it was let go).
 */
async function* jsonMadeThenSent<T>(
  cache: ListCache,
  src: ListSource<T>,
  kept: KeptListing,
  accept?: string,
): AsyncGenerator<string | Uint8Array> {
  // Past the bound the listing is cut back to what fits, its JSON bytes made in the response.
  while (cache.fits(0) && !kept.makeJson(JSON_CHUNKS_A_TURN)) {
    await nextTurn();
    if (cache.get(src.key) !== kept) break;
  }
  cache.trim(src.key);
  const res = cache.respond(src, accept);
  if (res.chunks) yield* res.chunks;
  else yield* res.stream ?? [];
}

/** Changed rows always patched rather than the listing rendered again, however small it is. */
const ALWAYS_PATCHED_ROWS = 64;
/**
 * At most this many changed rows are read back in one go (one turn of the event loop, about
 * 5 ms): past it, the listing is rendered again a page at a time instead.
 */
const MAX_PATCHED_ROWS = 1024;

/**
 * Brings a kept listing to the current generation (and, for rows that change with the clock,
 * to now) by rendering again the rows that changed; false (and dropped) when the catalog no
 * longer knows what changed, or when so much changed that rendering it all is as cheap or
 * would hold the event loop too long. Changes after a listing kept in part are not its own:
 * the rest is rendered when sent.
 */
function patched<T>(cache: ListCache, src: ListSource<T>, kept: KeptListing): boolean {
  const now = src.generation();
  const time = src.clock?.now();
  if (kept.generation === now && !clockMoved(kept, time)) return true;
  const bound = Math.floor(Math.min(kept.rows / 4, MAX_PATCHED_ROWS)) + ALWAYS_PATCHED_ROWS;
  const since = kept.generation === now ? new Set<string>() : src.changedSince(kept.generation);
  if (!since) return dropped(cache, src);
  const changed = new Set(since);
  if (time !== undefined) {
    const due = dueRows(src.clock as ListClock, kept, time, bound + 1);
    if (!due) return dropped(cache, src);
    for (const k of due) changed.add(k);
  }
  const through = kept.through;
  const keys = [...changed].filter((k) => through === undefined || k <= through);
  if (keys.length > bound) return dropped(cache, src);
  kept.generation = now;
  if (keys.length > 0) {
    const rows = new Map(src.readKeys(keys).map((r) => [src.rowKey(r), JSON.stringify(r)]));
    kept.putAll(new Map(keys.map((k) => [k, rows.get(k)])));
  }
  if (time !== undefined) kept.renderedAt = { from: time, to: src.clock?.now() ?? time };
  return true;
}

function dropped<T>(cache: ListCache, src: ListSource<T>): false {
  cache.drop(src.key);
  return false;
}

/** Whether the clock is not where all the listing's rows were rendered at. */
function clockMoved(kept: KeptListing, time: string | undefined): boolean {
  if (time === undefined) return false;
  const at = kept.renderedAt;
  return at === undefined || at.from !== time || at.to !== time;
}

/**
 * The rows whose entries may differ between when they were rendered and `time`: those whose
 * change lies between the earliest of those times and the latest (the clock may have been set
 * back). Undefined when the listing does not know when it was rendered, or more than `limit`.
 */
function dueRows(clock: ListClock, kept: KeptListing, time: string, limit: number) {
  const at = kept.renderedAt;
  if (at === undefined) return undefined;
  const after = at.from < time ? at.from : time;
  const through = at.to > time ? at.to : time;
  const due = after < through ? clock.changedBetween(after, through, limit) : [];
  return due.length < limit ? due : undefined;
}

/** The rows after `after`, rendered a page at a time: NDJSON lines, or JSON texts with commas. */
async function* restAfter<T>(
  src: ListSource<T>,
  after: string,
  ndjson: boolean,
  afterRows: boolean,
): AsyncGenerator<string> {
  const read = (from: string | undefined, limit: number) => src.read(from ?? after, limit);
  let first = !afterRows;
  for await (const page of pages(read, src.rowKey)) {
    let chunk = '';
    for (const row of page) {
      const text = JSON.stringify(row);
      if (ndjson) chunk += `${text}\n`;
      else chunk += first ? text : `,${text}`;
      first = false;
    }
    yield chunk;
  }
}

/** The kept first rows' buffers, then the rest rendered; framed as a JSON array or not. */
async function* prefixThenRest(
  parts: Buffer[],
  rest: AsyncIterable<string>,
  ndjson: boolean,
): AsyncGenerator<Uint8Array | string> {
  if (!ndjson) yield '[';
  for (let i = 0; i < parts.length; i++) {
    if (!ndjson && i > 0) yield ',';
    yield parts[i] as Buffer;
  }
  yield* rest;
  if (!ndjson) yield ']';
}

/**
 * Passes the rendered chunks on, encoded, keeping the rows as far as they fit the cache: the
 * chunks are encoded as they fill, in the format being sent, so that the next request for the
 * listing only sends them. Rows read across a write may be of either generation: the listing
 * is kept as of the generation it started at and patched at once, which reads those rows again.
 */
async function* keepWhole<T>(
  cache: ListCache,
  src: ListSource<T>,
  ndjson: boolean,
): AsyncGenerator<Buffer> {
  cache.drop(src.key);
  const kept = new KeptListing(src.generation());
  const from = src.clock?.now();
  if (!ndjson) kept.sendsJson();
  let keeping = cache.free() > 0;
  if (!keeping) kept.endHere(); // none of it
  const keep = (row: unknown, text: string) => {
    if (!keeping) return;
    kept.append(src.rowKey(row as T), text);
    if (kept.bytes <= cache.free()) return;
    keeping = false; // kept in part: its first rows
    kept.endHere();
  };
  const source = pages(src.read, src.rowKey);
  const chunks = ndjson ? ndjsonChunks(source, keep) : jsonArrayChunks(source, keep);
  for await (const chunk of chunks) yield Buffer.from(chunk);
  if (from !== undefined) kept.renderedAt = { from, to: src.clock?.now() ?? from };
  if (cache.keep(src, kept) && patched(cache, src, kept)) cache.trim(src.key);
}

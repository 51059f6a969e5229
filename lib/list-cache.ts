/**
 * Rendered listings, kept while the catalog does not change (issue 8). A listing of an
 * unchanged catalog then costs what sending its bytes costs: rendering 10,000 states from
 * sql.js took about 40 times longer than sending them (bench/states-list).
 *
 * Keyed by the catalog's write generation: the first lookup after any change drops every
 * listing of the old generation. Bounded by bytes: a listing that does not fit is rendered
 * per request and not kept, so memory stays bounded whatever the number of rows.
 */
export class ListCache {
  private generation = -1;
  private readonly listings = new Map<string, Buffer>();
  private bytes = 0;

  constructor(readonly maxBytes = DEFAULT_LIST_CACHE_BYTES) {}

  get(generation: number, key: string): Buffer | undefined {
    this.sync(generation);
    return this.listings.get(key);
  }

  /** Whether a listing of this many more bytes could still be kept. */
  fits(generation: number, bytes: number): boolean {
    this.sync(generation);
    return this.bytes + bytes <= this.maxBytes;
  }

  set(generation: number, key: string, listing: Buffer): void {
    if (!this.fits(generation, listing.length) || this.listings.has(key)) return;
    this.listings.set(key, listing);
    this.bytes += listing.length;
  }

  /** Bytes held. */
  get size(): number {
    return this.bytes;
  }

  private sync(generation: number) {
    if (generation === this.generation) return;
    this.generation = generation;
    this.listings.clear();
    this.bytes = 0;
  }
}

export const DEFAULT_LIST_CACHE_BYTES = 32 * 1024 * 1024;

/**
 * One listing kept rendered (runtime/edge/listing/list-cache.ts): its rows' JSON texts in key
 * order, in chunks of about CHUNK_ROWS rows. A chunk holds its rows as NDJSON bytes only (each
 * row followed by a newline), and its JSON bytes once the listing was sent as JSON: the row
 * texts are not also kept as strings, so a listing costs about its size once per format sent.
 * A write that changes a few rows costs re-encoding their chunks only, and the listing leaves
 * as the chunks' buffers, so sending it costs what sending a file does. A chunk's buffers are
 * never changed once made: a response still sending the old ones is not disturbed by a patch.
 *
 * A listing may be kept in part: its first rows, up to `through` (the cache's bytes did not
 * hold it all, docs/api.md). The rows after `through` are not kept and changes to them are
 * ignored; whoever sends it renders them from the catalog.
 *
 * Rows are JSON texts (JSON.stringify's): they hold no raw newline, so each newline byte of a
 * chunk ends a row, and its JSON bytes are the same bytes with those newlines made commas.
 */

export const CHUNK_ROWS = 256;

interface Chunk {
  keys: string[];
  lines: Buffer;
  json?: Buffer;
}

const NEWLINE = 0x0a;
const COMMA_BYTE = 0x2c;

export class KeptListing {
  private readonly chunks: Chunk[] = [];
  /** Rows appended since the last full chunk, not yet encoded. */
  private open: { keys: string[]; rows: string[] } = { keys: [], rows: [] };
  private openBytes = 0;
  private encodedBytes = 0;
  private keyBytes = 0;
  private count = 0;
  private sentAsJson = false;
  /** The last key kept when only the first rows are kept; undefined when all are. */
  through: string | undefined;
  /**
   * For rows that change with the clock (ListClock in list-cache.ts): the earliest and latest
   * times (ISO) its rows were rendered at.
   */
  renderedAt: { from: string; to: string } | undefined;

  /** @param generation the catalog generation the rows are true at. */
  constructor(public generation: number) {}

  get rows(): number {
    return this.count;
  }

  /** Whether every row of the listing is kept (not only its first ones). */
  get complete(): boolean {
    return this.through === undefined;
  }

  /** Memory held: the encodings made, the rows not yet encoded, and the keys. */
  get bytes(): number {
    return this.encodedBytes + this.openBytes + this.keyBytes;
  }

  /** Encode JSON bytes too from here on, as chunks fill (the listing is being sent as JSON). */
  sendsJson(): void {
    this.sentAsJson = true;
  }

  /** Adds a row after every row so far (a listing being read in key order). */
  append(key: string, row: string): void {
    this.open.keys.push(key);
    this.open.rows.push(row);
    this.openBytes += Buffer.byteLength(row) + 1;
    this.keyBytes += key.length;
    this.count++;
    if (this.open.keys.length >= CHUNK_ROWS) this.seal();
  }

  /** Sets the row of a key: replaces it, inserts it in key order, or (undefined) removes it. */
  put(key: string, row: string | undefined): void {
    this.putAll(new Map([[key, row]]));
  }

  /**
   * Sets the rows of these keys (undefined removes one), each chunk decoded and encoded once
   * however many of its rows change. Keys after `through` are not kept: ignored.
   */
  putAll(changes: Map<string, string | undefined>): void {
    this.seal();
    const through = this.through;
    const keys = [...changes.keys()].filter((k) => through === undefined || k <= through);
    keys.sort();
    // From the last chunk back, so that splitting or dropping one leaves earlier indexes valid.
    for (let end = keys.length; end > 0; ) {
      const at = this.chunkFor(keys[end - 1] as string);
      let start = end - 1;
      while (start > 0 && this.chunkFor(keys[start - 1] as string) === at) start--;
      this.change(at, keys.slice(start, end), changes);
      end = start;
    }
  }

  /** Applies the changes of `keys` (all of chunk `at`, or of no chunk when there is none). */
  private change(at: number, keys: string[], changes: Map<string, string | undefined>): void {
    const chunk = this.chunks[at];
    const chunkKeys = chunk ? [...chunk.keys] : [];
    const rows = chunk ? rowsOf(chunk) : [];
    for (const key of keys) {
      const row = changes.get(key);
      const i = lowerBound(chunkKeys, key);
      const present = chunkKeys[i] === key;
      if (present) {
        chunkKeys.splice(i, 1);
        rows.splice(i, 1);
        this.keyBytes -= key.length;
        this.count--;
      }
      if (row !== undefined) {
        chunkKeys.splice(i, 0, key);
        rows.splice(i, 0, row);
        this.keyBytes += key.length;
        this.count++;
      }
    }
    if (chunk) this.replace(at, chunkKeys, rows);
    else if (chunkKeys.length > 0) this.chunks.push(this.encode(chunkKeys, rows));
  }

  /** How many chunks have no JSON bytes yet (to make before sending the listing as JSON). */
  get jsonToMake(): number {
    let n = 0;
    for (const c of this.chunks) if (!c.json) n++;
    return n;
  }

  /** Makes the JSON bytes of up to `max` chunks that lack them; says whether none lack them. */
  makeJson(max: number): boolean {
    this.sentAsJson = true;
    let made = 0;
    for (const c of this.chunks) {
      if (c.json) continue;
      if (made++ === max) return false;
      this.jsonOf(c);
    }
    return true;
  }

  /** The rows' bytes in key order, one buffer a chunk: NDJSON lines, or JSON texts with commas. */
  parts(ndjson: boolean): Buffer[] {
    this.seal();
    if (!ndjson) this.sentAsJson = true;
    return this.chunks.map((c) => (ndjson ? c.lines : this.jsonOf(c)));
  }

  /** The whole listing's bytes as buffers to send in order: a JSON array, or NDJSON lines. */
  body(ndjson: boolean): Buffer[] {
    const parts = this.parts(ndjson);
    if (ndjson) return parts;
    const out: Buffer[] = [OPEN];
    for (const p of parts) {
      if (out.length > 1) out.push(COMMA);
      out.push(p);
    }
    out.push(CLOSE);
    return out;
  }

  /** Makes the encodings that the formats it was sent in need (after a patch, ahead of a send). */
  encodeAsSent(): void {
    this.seal();
    if (this.sentAsJson) for (const c of this.chunks) this.jsonOf(c);
  }

  /** No row is appended after the ones so far: the listing is kept in part, up to them. */
  endHere(): void {
    this.seal();
    const last = this.chunks[this.chunks.length - 1];
    this.through = last ? (last.keys[last.keys.length - 1] as string) : '';
  }

  /**
   * Keeps only the first chunks whose bytes fit `maxBytes`, the rest left to be rendered from
   * the catalog (`through` is then the last key kept). Says whether it still keeps anything
   * worth sending from (a whole listing, even of no rows, or some first rows).
   */
  truncate(maxBytes: number): boolean {
    this.seal();
    while (this.chunks.length > 0 && this.bytes > maxBytes) {
      const last = this.chunks.pop() as Chunk;
      this.encodedBytes -= encodedLength(last);
      for (const k of last.keys) this.keyBytes -= k.length;
      this.count -= last.keys.length;
      const before = this.chunks[this.chunks.length - 1];
      this.through = before ? (before.keys[before.keys.length - 1] as string) : '';
    }
    return this.complete || this.count > 0;
  }

  /** Encodes the rows appended since the last full chunk as a chunk of their own. */
  private seal(): void {
    if (this.open.keys.length === 0) return;
    const { keys, rows } = this.open;
    this.open = { keys: [], rows: [] };
    this.openBytes = 0;
    this.chunks.push(this.encode(keys, rows));
  }

  private encode(keys: string[], rows: string[]): Chunk {
    const chunk: Chunk = { keys, lines: Buffer.from(`${rows.join('\n')}\n`) };
    this.encodedBytes += chunk.lines.length;
    if (this.sentAsJson) this.jsonOf(chunk);
    return chunk;
  }

  /** After a change to chunk `at`: new buffers; dropped when empty, split when over twice its size. */
  private replace(at: number, keys: string[], rows: string[]): void {
    this.encodedBytes -= encodedLength(this.chunks[at] as Chunk);
    if (keys.length === 0) this.chunks.splice(at, 1);
    else if (keys.length > 2 * CHUNK_ROWS) {
      const pieces: Chunk[] = [];
      for (let i = 0; i < keys.length; i += CHUNK_ROWS)
        pieces.push(this.encode(keys.slice(i, i + CHUNK_ROWS), rows.slice(i, i + CHUNK_ROWS)));
      this.chunks.splice(at, 1, ...pieces);
    } else this.chunks[at] = this.encode(keys, rows);
  }

  private jsonOf(c: Chunk): Buffer {
    if (!c.json) {
      c.json = commaSeparated(c.lines);
      this.encodedBytes += c.json.length;
    }
    return c.json;
  }

  /** The chunk a key belongs in: the first whose last key is not below it, else the last. */
  private chunkFor(key: string): number {
    let lo = 0;
    let hi = this.chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const keys = (this.chunks[mid] as Chunk).keys;
      if ((keys[keys.length - 1] as string) < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

const OPEN = Buffer.from('[');
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']');

const encodedLength = (c: Chunk) => c.lines.length + (c.json?.length ?? 0);

/** A chunk's row texts, decoded from its NDJSON lines. */
function rowsOf(c: Chunk): string[] {
  return c.lines.toString('utf8', 0, c.lines.length - 1).split('\n');
}

/** NDJSON lines as JSON texts separated by commas: each newline a comma, the last one gone. */
function commaSeparated(lines: Buffer): Buffer {
  const out = Buffer.from(lines.subarray(0, lines.length - 1));
  for (let i = out.indexOf(NEWLINE); i !== -1; i = out.indexOf(NEWLINE, i + 1)) out[i] = COMMA_BYTE;
  return out;
}

/** The first index whose key is not below `key`. */
function lowerBound(keys: string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((keys[mid] as string) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

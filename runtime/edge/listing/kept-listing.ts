/**
 * One listing kept rendered (runtime/edge/listing/list-cache.ts): its rows' JSON texts in key order, in chunks
 * of about CHUNK_ROWS rows. A write that changes a few rows costs re-encoding their chunks
 * only, and the listing leaves as the chunks' buffers in one vectored write, so sending it
 * costs what sending a file does. A chunk's buffers are never changed once made: a response
 * still sending the old ones is not disturbed by a patch.
 */

export const CHUNK_ROWS = 256;

interface Chunk {
  keys: string[];
  rows: string[];
  json?: Buffer;
  ndjson?: Buffer;
}

const OPEN = Buffer.from('[');
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']');

export class KeptListing {
  private readonly chunks: Chunk[] = [];
  private rowBytes = 0;
  private encodedBytes = 0;
  private count = 0;
  /** The formats the listing was sent in, to encode again ahead after a patch. */
  private readonly sentAs = new Set<boolean>();

  /** @param generation the catalog generation the rows are true at. */
  constructor(public generation: number) {}

  get rows(): number {
    return this.count;
  }

  /** Memory held: the row texts and the chunk encodings made so far. */
  get bytes(): number {
    return this.rowBytes + this.encodedBytes;
  }

  /** Adds a row after every row so far (a listing being read in key order). */
  append(key: string, row: string): void {
    let last = this.chunks[this.chunks.length - 1];
    if (!last || last.keys.length >= CHUNK_ROWS) {
      last = { keys: [], rows: [] };
      this.chunks.push(last);
    }
    last.keys.push(key);
    last.rows.push(row);
    this.grow(row, 1);
    this.forgetEncodings(last);
  }

  /** Sets the row of a key: replaces it, inserts it in key order, or (undefined) removes it. */
  put(key: string, row: string | undefined): void {
    const at = this.chunkFor(key);
    const chunk = this.chunks[at];
    if (!chunk) {
      if (row !== undefined) this.append(key, row);
      return;
    }
    const i = lowerBound(chunk.keys, key);
    const present = chunk.keys[i] === key;
    if (present) this.grow(chunk.rows[i] as string, -1);
    if (row === undefined) {
      if (!present) return;
      chunk.keys.splice(i, 1);
      chunk.rows.splice(i, 1);
    } else if (present) chunk.rows[i] = row;
    else {
      chunk.keys.splice(i, 0, key);
      chunk.rows.splice(i, 0, row);
    }
    if (row !== undefined) this.grow(row, 1);
    this.reshape(at, chunk);
  }

  /** The listing's bytes as buffers to send in order: a JSON array, or NDJSON lines. */
  body(ndjson: boolean): Buffer[] {
    this.sentAs.add(ndjson);
    if (ndjson) return this.chunks.map((c) => this.encoded(c, 'ndjson'));
    const out: Buffer[] = [OPEN];
    for (const c of this.chunks) {
      if (out.length > 1) out.push(COMMA);
      out.push(this.encoded(c, 'json'));
    }
    out.push(CLOSE);
    return out;
  }

  /** Makes the encodings that the formats it was sent in need (after a patch, ahead of a send). */
  encodeAsSent(): void {
    for (const ndjson of this.sentAs) this.body(ndjson);
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

  /** After a change: drop the chunk's encodings; drop it when empty, split it when too big. */
  private reshape(at: number, chunk: Chunk): void {
    this.forgetEncodings(chunk);
    if (chunk.keys.length === 0) this.chunks.splice(at, 1);
    else if (chunk.keys.length > 2 * CHUNK_ROWS) {
      const half = chunk.keys.length >> 1;
      const tail = { keys: chunk.keys.splice(half), rows: chunk.rows.splice(half) };
      this.chunks.splice(at + 1, 0, tail);
    }
  }

  private forgetEncodings(chunk: Chunk): void {
    if (!chunk.json && !chunk.ndjson) return;
    this.encodedBytes -= (chunk.json?.length ?? 0) + (chunk.ndjson?.length ?? 0);
    chunk.json = undefined;
    chunk.ndjson = undefined;
  }

  private encoded(c: Chunk, format: 'json' | 'ndjson'): Buffer {
    let bytes = c[format];
    if (!bytes) {
      bytes = Buffer.from(format === 'json' ? c.rows.join(',') : `${c.rows.join('\n')}\n`);
      c[format] = bytes;
      this.encodedBytes += bytes.length;
    }
    return bytes;
  }

  private grow(row: string, sign: 1 | -1): void {
    this.rowBytes += sign * Buffer.byteLength(row);
    this.count += sign;
  }
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

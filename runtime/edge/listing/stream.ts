import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * List responses: a JSON array, or NDJSON when the client asks for it (docs/api.md). Rows come from
 * the catalog a page at a time and leave as chunks, so a listing of any size is never built in
 * memory as a whole.
 */

export const NDJSON = 'application/x-ndjson';
export const PAGE_SIZE = 250;

export function wantsNdjson(accept: string | undefined): boolean {
  return accept?.toLowerCase().includes(NDJSON) ?? false;
}

/**
 * Keyset pagination over a synchronous page reader. Each page after the first is read in a
 * turn of the event loop of its own: the reads are synchronous (the catalog is in this
 * thread's memory), and a 100,000-row listing read in one go held every other request for
 * seconds. A page of 250 rows takes 1-2 ms to read and render once warm, and up to 22 ms in
 * the first listing after a start (sql.js's code and the catalog's pages still cold): pages
 * of 500 held other requests twice as long (docs/performance.md, Catalog growth).
 */
export async function* pages<T>(
  read: (after: string | undefined, limit: number) => T[],
  key: (row: T) => string,
  pageSize = PAGE_SIZE,
): AsyncGenerator<T[]> {
  let after: string | undefined;
  for (;;) {
    if (after !== undefined) await nextTurn();
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

/** Sees each row with its JSON text as it is rendered (a listing being kept). */
export type RowHook = (row: unknown, text: string) => void;

export async function* ndjsonChunks(
  source: AsyncIterable<unknown[]>,
  onRow?: RowHook,
): AsyncGenerator<string> {
  for await (const page of source) {
    let chunk = '';
    for (const row of page) {
      const text = JSON.stringify(row);
      onRow?.(row, text);
      chunk += `${text}\n`;
    }
    yield chunk;
  }
}

export async function* jsonArrayChunks(
  source: AsyncIterable<unknown[]>,
  onRow?: RowHook,
): AsyncGenerator<string> {
  let first = true;
  yield '[';
  for await (const page of source) {
    let chunk = '';
    for (const row of page) {
      const text = JSON.stringify(row);
      onRow?.(row, text);
      chunk += first ? text : `,${text}`;
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
  /** A kept listing's bytes, sent in order with their total length. */
  chunks?: readonly Uint8Array[];
}

export function listResponse(source: AsyncIterable<unknown[]>, accept?: string): StreamedList {
  const nd = wantsNdjson(accept);
  return {
    status: 200,
    headers: { 'content-type': nd ? NDJSON : 'application/json' },
    stream: nd ? ndjsonChunks(source) : jsonArrayChunks(source),
  };
}

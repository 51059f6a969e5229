import { crc32 } from 'node:zlib';

/**
 * The catalog journal's record format (docs/catalog.md, Durability). One record is one
 * committed transaction: the writer calls it made, in order, as JSON. Layout, little-endian:
 *
 *     magic u32 | payload length u32 | crc32 u32 | sequence number u64 | payload
 *
 * The checksum covers the sequence number and the payload, so a record is taken whole or not
 * at all; the magic and a non-zero length keep a zero-filled or foreign tail from reading as
 * a record.
 */

/** One writer call: the StoreWriter method's name and its arguments. */
export type WriterCall = [method: string, ...args: unknown[]];

export interface JournalRecord {
  seq: number;
  calls: WriterCall[];
}

const MAGIC = 0x4a525153; // "SQRJ"
export const HEADER_BYTES = 20;

/** Encodes one record; `calls` is the JSON text of the call list (made as the calls ran). */
export function encodeRecord(seq: number, calls: string): Buffer {
  const payload = Buffer.from(calls, 'utf8');
  const record = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  record.writeUInt32LE(MAGIC, 0);
  record.writeUInt32LE(payload.length, 4);
  record.writeBigUInt64LE(BigInt(seq), 12);
  payload.copy(record, HEADER_BYTES);
  record.writeUInt32LE(crc32(record.subarray(12)), 8);
  return record;
}

/**
 * The record that opens every segment: sequence number 0 (below any snapshot's, so replay
 * never runs it), one call naming the catalog the segment belongs to. A segment placed next
 * to another catalog's state.db is refused at replay instead of applied to it.
 */
export const CATALOG_CALL = 'catalog';
export const catalogRecord = (catalogId: string) =>
  encodeRecord(0, JSON.stringify([[CATALOG_CALL, catalogId]]));

/**
 * The whole records at the start of a segment's bytes, and where they end: reading stops at
 * the first record that is short, of the wrong magic, zero-length, failing its checksum or
 * not JSON (a torn tail, docs/catalog.md). What follows `validBytes` was never acknowledged.
 */
export function decodeRecords(bytes: Buffer): { records: JournalRecord[]; validBytes: number } {
  const records: JournalRecord[] = [];
  let at = 0;
  for (let record = recordAt(bytes, at); record; record = recordAt(bytes, at)) {
    records.push({ seq: record.seq, calls: record.calls });
    at = record.end;
  }
  return { records, validBytes: at };
}

/**
 * The first whole record that starts after byte `from`, looked for at every offset: a torn
 * tail is the end of one interrupted write and holds none, so a whole record past damage
 * means the damage is in the middle of records already answered (docs/catalog.md, Opening).
 */
export function wholeRecordAfter(bytes: Buffer, from: number): JournalRecord | undefined {
  const magic = Buffer.alloc(4);
  magic.writeUInt32LE(MAGIC, 0);
  for (let at = bytes.indexOf(magic, from + 1); at >= 0; at = bytes.indexOf(magic, at + 1)) {
    const record = recordAt(bytes, at);
    if (record) return record;
  }
  return undefined;
}

function recordAt(bytes: Buffer, at: number): (JournalRecord & { end: number }) | undefined {
  if (at + HEADER_BYTES > bytes.length || bytes.readUInt32LE(at) !== MAGIC) return undefined;
  const length = bytes.readUInt32LE(at + 4);
  const end = at + HEADER_BYTES + length;
  if (length === 0 || end > bytes.length) return undefined;
  if (crc32(bytes.subarray(at + 12, end)) !== bytes.readUInt32LE(at + 8)) return undefined;
  const calls = parseCalls(bytes.subarray(at + HEADER_BYTES, end));
  if (!calls) return undefined;
  return { seq: Number(bytes.readBigUInt64LE(at + 12)), calls, end };
}

function parseCalls(payload: Buffer): WriterCall[] | undefined {
  try {
    const calls = JSON.parse(payload.toString('utf8')) as unknown;
    if (!Array.isArray(calls)) return undefined;
    for (const call of calls) {
      if (!Array.isArray(call) || typeof call[0] !== 'string') return undefined;
    }
    return calls as WriterCall[];
  } catch {
    return undefined;
  }
}

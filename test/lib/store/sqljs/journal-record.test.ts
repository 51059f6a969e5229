import t from 'tap';
import { decodeRecords, encodeRecord } from '../../../../lib/store/sqljs/journal-record.js';

const calls = (n: number) => JSON.stringify([['touchState', `s${n}`, '2026-01-01T00:00:00.000Z']]);

t.test('records read back in order, with their sequence numbers and calls', async (t) => {
  const bytes = Buffer.concat([encodeRecord(7, calls(1)), encodeRecord(8, '[]')]);
  const { records, validBytes } = decodeRecords(bytes);
  t.same(records, [
    { seq: 7, calls: [['touchState', 's1', '2026-01-01T00:00:00.000Z']] },
    { seq: 8, calls: [] },
  ]);
  t.equal(validBytes, bytes.length);
});

t.test('reading stops at the first record that is not whole', async (t) => {
  const first = encodeRecord(1, calls(1));
  const second = encodeRecord(2, calls(2));
  const flipped = Buffer.from(second);
  flipped.writeUInt8(flipped.readUInt8(flipped.length - 2) ^ 1, flipped.length - 2);
  const tails: Record<string, Buffer> = {
    'cut in its header': second.subarray(0, 10),
    'cut in its payload': second.subarray(0, second.length - 1),
    'a flipped bit': flipped,
    zeros: Buffer.alloc(64),
    'not JSON': encodeRecord(2, '{not json'),
    'not a call list': encodeRecord(2, '{"a":1}'),
  };
  for (const [label, tail] of Object.entries(tails)) {
    const { records, validBytes } = decodeRecords(Buffer.concat([first, tail, second]));
    t.same(
      records.map((r) => r.seq),
      [1],
      label,
    );
    t.equal(validBytes, first.length, `${label}: the whole part ends after the first record`);
  }
  t.same(decodeRecords(Buffer.alloc(0)), { records: [], validBytes: 0 }, 'an empty segment');
});

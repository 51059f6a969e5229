import t from 'tap';
import { ndjsonLines } from '../../../lib/client/ndjson.js';

t.test('lines split across chunks (and inside a UTF-8 character) are joined', async (t) => {
  const bytes = Buffer.from('{"a":"é"}\n\n{"b":2}\n{"c":3}');
  async function* chunks() {
    for (let i = 0; i < bytes.length; i += 3) yield bytes.subarray(i, i + 3);
  }
  const lines: string[] = [];
  for await (const line of ndjsonLines(chunks())) lines.push(line);
  t.same(lines, ['{"a":"é"}', '{"b":2}', '{"c":3}']);
});

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import {
  activeSegment,
  listSegments,
  readSegments,
  sealedSegment,
} from '../../../../lib/store/sqljs/journal-files.js';
import { encodeRecord } from '../../../../lib/store/sqljs/journal-record.js';
import { tempDir } from '../../../helpers/tmp.js';

t.test('sealed segments are listed oldest first, other files left out', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'state.db');
  t.same(await listSegments(path), { sealed: [], active: undefined });
  for (const name of [
    sealedSegment(path, 120),
    sealedSegment(path, 9),
    activeSegment(path),
    `${activeSegment(path)}.aside`,
    `${activeSegment(path)}-12`,
    path,
  ])
    await writeFile(name, '');
  t.same(await listSegments(path), {
    sealed: [sealedSegment(path, 9), sealedSegment(path, 120)],
    active: activeSegment(path),
  });
});

t.test('a segment is read whole, with where its whole records end', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'state.db.journal');
  const record = encodeRecord(1, '[]');
  await writeFile(path, Buffer.concat([record, Buffer.from('torn')]));
  t.match(await readSegments([path], path), [
    { path, records: [{ seq: 1, calls: [] }], validBytes: record.length, size: record.length + 4 },
  ]);
  await t.rejects(readSegments([join(dir, 'gone')]), { code: 'ENOENT' });
});

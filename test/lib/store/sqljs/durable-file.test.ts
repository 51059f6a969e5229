import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { removeStaleTemps, replaceFileDurably } from '../../../../lib/store/sqljs/durable-file.js';
import { tempDir } from '../../../helpers/tmp.js';

const bytes = (s: string) => new TextEncoder().encode(s);

t.test('a replace leaves the whole new content and no temporary file', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'state.db');
  await replaceFileDurably(path, bytes('a longer first version'), 'x');
  await replaceFileDurably(path, bytes('second'), 'x');
  t.equal(await readFile(path, 'utf8'), 'second', 'shorter content is not padded by the old');
  t.same(await readdir(dir), ['state.db']);
});

t.test('a replace that fails rejects, leaves the old file and no temporary file', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'state.db');
  await mkdir(path);
  await writeFile(join(path, 'inside'), 'x'); // a non-empty directory cannot be renamed over
  await t.rejects(replaceFileDurably(path, bytes('new'), 'x'));
  t.same(await readdir(dir), ['state.db']);
  await t.rejects(replaceFileDurably(join(dir, 'gone', 'f'), bytes('x'), 'x'), { code: 'ENOENT' });
});

t.test('stale temporary files are removed, the target and others kept', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'state.db');
  await writeFile(path, 'keep');
  await writeFile(`${path}.tmp-1234-checkpoint`, 'half');
  await writeFile(`${path}.tmp-1234-snapshot`, 'half');
  await writeFile(`${path}.journal`, 'kept');
  await writeFile(join(dir, 'engine.log'), 'log');
  await removeStaleTemps(path);
  t.same((await readdir(dir)).sort(), ['engine.log', 'state.db', 'state.db.journal']);
});

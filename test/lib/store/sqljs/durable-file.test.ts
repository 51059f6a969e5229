import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { DurableFile, removeStaleTemps } from '../../../../lib/store/sqljs/durable-file.js';
import { tempDir } from '../../../helpers/tmp.js';

const bytes = (s: string) => new TextEncoder().encode(s);

t.test('each replace leaves the whole new content; close leaves no temporary file', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'state.db');
  const file = new DurableFile(path);
  await file.replace(bytes('a longer first version'));
  t.equal(await readFile(path, 'utf8'), 'a longer first version');
  await file.replace(bytes('second'));
  t.equal(await readFile(path, 'utf8'), 'second', 'shorter content is not padded by the old');
  t.same((await readdir(dir)).length, 2, 'the next temporary file is open ahead');
  await file.close();
  t.same(await readdir(dir), ['state.db'], 'closed: the unused temporary file is gone');
  await file.close();
  t.pass('close twice is harmless');
});

t.test('a replace that fails rejects, leaves the old file, and the next one works', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'state.db');
  await mkdir(path);
  await writeFile(join(path, 'inside'), 'x'); // a non-empty directory cannot be renamed over
  const file = new DurableFile(path);
  await t.rejects(file.replace(bytes('new')));
  t.same((await readdir(dir)).sort(), ['state.db'], 'the part-done temporary file is removed');
  await rm(path, { recursive: true });
  await writeFile(path, 'old');
  await file.replace(bytes('new'));
  t.equal(await readFile(path, 'utf8'), 'new');
  await file.close();
  t.same(await readdir(dir), ['state.db']);
});

t.test('a directory that cannot be opened makes replace reject', async (t) => {
  const dir = await tempDir(t);
  const file = new DurableFile(join(dir, 'gone', 'state.db'));
  await t.rejects(file.replace(bytes('x')), { code: 'ENOENT' });
  await file.close();
});

t.test('stale temporary files are removed, the target and others kept', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'state.db');
  await writeFile(path, 'keep');
  await writeFile(`${path}.tmp-1234`, 'half');
  await writeFile(join(dir, 'engine.log'), 'log');
  await removeStaleTemps(path);
  t.same((await readdir(dir)).sort(), ['engine.log', 'state.db']);
});

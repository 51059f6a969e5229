import { execFileSync } from 'node:child_process';
import { open, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import {
  MAX_SOURCE_BYTES,
  readSourceFile,
  unreadableReason,
} from '../../../lib/files/source-file.js';
import { tempDir } from '../../helpers/tmp.js';

/** The reason readSourceFile gives for a path, or 'read' if it reads. */
function reason(path: string): string {
  try {
    readSourceFile(path);
    return 'read';
  } catch (err) {
    return unreadableReason(err);
  }
}

t.test('a regular file is read, through a symbolic link too', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'a.sql'), 'select 1;');
  await symlink(join(dir, 'a.sql'), join(dir, 'link.sql'));
  t.same(readSourceFile(join(dir, 'link.sql')), {
    real: join(dir, 'a.sql'),
    content: Buffer.from('select 1;'),
  });
});

t.test('what is not a regular file is refused before anything is read', async (t) => {
  const dir = await tempDir(t);
  // A FIFO with no writer: opening it for reading would block a worker for good.
  execFileSync('mkfifo', [join(dir, 'pipe')]);
  t.equal(reason('/dev/zero'), 'not a regular file (a character device)');
  t.equal(reason(join(dir, 'pipe')), 'not a regular file (a pipe)');
  t.equal(reason(dir), 'not a regular file (a directory)');
  t.equal(reason(join(dir, 'none.sql')), 'file not found');
});

t.test('a file larger than a string can be is refused, saying why', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'huge.sql');
  const file = await open(path, 'w');
  await file.truncate(MAX_SOURCE_BYTES + 1); // sparse: nothing is written
  await file.close();
  t.match(
    reason(path),
    new RegExp(`^${MAX_SOURCE_BYTES + 1} bytes, more than the ${MAX_SOURCE_BYTES} a script`),
  );
});

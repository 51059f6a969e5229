import { execFileSync } from 'node:child_process';
import { open, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import {
  MAX_SOURCE_BYTES,
  readSourceFile,
  realSourceFile,
  unreadableReason,
} from '../../lib/source-file.js';
import { tempDir } from '../helpers/tmp.js';

/** The reason readSourceFile (or realSourceFile) gives for a path, or 'read' if it reads. */
function reason(read: (path: string) => unknown, path: string): string {
  try {
    read(path);
    return 'read';
  } catch (err) {
    return unreadableReason(err);
  }
}

t.test('a regular file is read, through a symbolic link too', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'a.sql'), 'select 1;');
  await symlink(join(dir, 'a.sql'), join(dir, 'link.sql'));
  t.equal(readSourceFile(join(dir, 'link.sql')).toString(), 'select 1;');
  t.equal(realSourceFile(join(dir, 'link.sql')), join(dir, 'a.sql'));
});

t.test('what is not a regular file is refused before anything is read', async (t) => {
  const dir = await tempDir(t);
  // A FIFO with no writer: opening it for reading used to block a worker for good.
  execFileSync('mkfifo', [join(dir, 'pipe')]);
  for (const read of [readSourceFile, realSourceFile]) {
    t.equal(reason(read, '/dev/zero'), 'not a regular file (a character device)');
    t.equal(reason(read, join(dir, 'pipe')), 'not a regular file (a pipe)');
    t.equal(reason(read, dir), 'not a regular file (a directory)');
    t.equal(reason(read, join(dir, 'none.sql')), 'file not found');
  }
});

t.test('a file larger than a string can be is refused, saying why', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'huge.sql');
  const file = await open(path, 'w');
  await file.truncate(MAX_SOURCE_BYTES + 1); // sparse: nothing is written
  await file.close();
  t.match(
    reason(readSourceFile, path),
    new RegExp(`^${MAX_SOURCE_BYTES + 1} bytes, more than the ${MAX_SOURCE_BYTES} a script`),
  );
  t.match(reason(realSourceFile, path), /more than the \d+ a script can hold/);
});

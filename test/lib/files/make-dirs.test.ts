import { execFileSync } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { makeDirs } from '../../../lib/files/make-dirs.js';
import { tempDir } from '../../helpers/tmp.js';

const codeOf = (fn: () => void) => {
  try {
    fn();
    return 'no error';
  } catch (err) {
    return (err as NodeJS.ErrnoException).code;
  }
};

t.test('makes the missing directories, owner-only', async (t) => {
  const dir = join(await tempDir(t), 'a', 'b');
  makeDirs(dir, 0o700);
  t.equal(statSync(dir).mode & 0o777, 0o700);
  makeDirs(dir, 0o700); // there already: nothing to do
});

t.test('other errors pass as they are', async (t) => {
  const file = join(await tempDir(t), 'f');
  writeFileSync(file, 'x');
  t.equal(
    codeOf(() => makeDirs(join(file, 'sub'), 0o700)),
    'ENOTDIR',
  );
});

// A real read-only file system, the one case Node's recursive mkdir misreports: mounting one
// needs root (as on the CI machine).
const asRoot = process.getuid?.() === 0;
t.test(
  'a read-only file system says so, not "no such file"',
  { skip: !asRoot && 'mounting a file system needs root' },
  async (t) => {
    const dir = await tempDir(t);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,ro', 'tmpfs', dir]);
    t.teardown(() => execFileSync('umount', [dir]));
    t.equal(
      codeOf(() => makeDirs(join(dir, 'state', 'sqlrs'), 0o700)),
      'EROFS',
    );
  },
);

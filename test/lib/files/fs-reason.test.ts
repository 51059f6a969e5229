import { writeFileSync } from 'node:fs';
import t from 'tap';
import { fileSystemReason } from '../../../lib/files/fs-reason.js';

t.test('a full disk, in words', async (t) => {
  // /dev/full answers every write with ENOSPC: the real error, not a made-up one.
  const err = (() => {
    try {
      writeFileSync('/dev/full', 'x');
    } catch (e) {
      return e;
    }
  })();
  t.equal(fileSystemReason(err), 'no space left on the device');
});

t.test('other errors: their code, else their message', async (t) => {
  t.equal(fileSystemReason(Object.assign(new Error('x'), { code: 'EACCES' })), 'permission denied');
  t.equal(fileSystemReason(Object.assign(new Error('x'), { code: 'ENOTSUP' })), 'ENOTSUP');
  t.equal(fileSystemReason(new Error('odd')), 'odd');
  t.equal(fileSystemReason(undefined), 'undefined');
});

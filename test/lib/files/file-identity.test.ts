import { symlink, unlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import {
  fileIdentity,
  settledIdentities,
  wallClockNs,
  withIdentities,
} from '../../../lib/files/file-identity.js';
import { tempDir } from '../../helpers/tmp.js';

t.test('identity changes with the content, the inode and a link target', async (t) => {
  const dir = await tempDir(t);
  const a = join(dir, 'a.sql');
  const b = join(dir, 'b.sql');
  await writeFile(a, 'select 1;');
  await writeFile(b, 'select 2;');
  const first = fileIdentity(a);
  t.ok(first);
  t.equal(fileIdentity(a), first, 'stable while nothing changes');
  await writeFile(a, 'select 3;'); // same size, new content: mtime and ctime move
  t.not(fileIdentity(a), first);
  const link = join(dir, 'l.sql');
  await symlink(a, link);
  const viaA = fileIdentity(link);
  t.match(viaA, />/, 'a link has its own identity and its target');
  await unlink(link);
  await symlink(b, link);
  t.not(fileIdentity(link), viaA, 'retargeting the link shows');
  t.equal(fileIdentity(join(dir, 'none.sql')), undefined);
});

t.test('only files that settled before the read vouch for a hash', async (t) => {
  const dir = await tempDir(t);
  const old = join(dir, 'old.sql');
  const fresh = join(dir, 'fresh.sql');
  await writeFile(old, 'select 1;');
  const past = new Date(Date.now() - 60_000);
  await utimes(old, past, past); // mtime back; ctime stays now, so wait for it to settle
  await new Promise((r) => setTimeout(r, 120));
  await writeFile(fresh, 'select 2;');
  const now = wallClockNs();
  const ids = settledIdentities([old, old], now);
  t.same(Object.keys(ids ?? {}), [old], 'one identity per file');
  t.equal(settledIdentities([old, fresh], now), undefined, 'a file changed just now: no cache');
  t.equal(settledIdentities([join(dir, 'gone.sql')], now), undefined);
  t.same(settledIdentities([], now), {}, 'no files: always cacheable');
});

t.test('withIdentities: what a build checks against, settled or not', async (t) => {
  const dir = await tempDir(t);
  const fresh = join(dir, 'fresh.sql');
  await writeFile(fresh, 'select 1;');
  const hashed = withIdentities(() => [{ files: [fresh] }]);
  t.equal(hashed.identities, undefined, 'written just now: not for the hash cache');
  t.same(hashed.seen, { [fresh]: fileIdentity(fresh) }, 'but seen, for the build to check');
  const gone = join(dir, 'gone.sql');
  t.same(withIdentities(() => [{ files: [gone] }]).seen, { [gone]: 'gone' }, 'matches nothing');
});

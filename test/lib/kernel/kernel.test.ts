import t, { type Test } from 'tap';
import { createKernel } from '../../../lib/kernel/kernel.js';
import { openSqljsStore } from '../../../lib/store/sqljs/index.js';
import { trustSettings } from '../../../lib/trust.js';
import { tempDir } from '../../helpers/tmp.js';

const logger = { info: () => undefined, error: () => undefined };

async function kernelOf(t: Test) {
  const store = await openSqljsStore({ dir: await tempDir(t) });
  t.teardown(() => store.close());
  const config = {};
  const owned = createKernel({
    store,
    config,
    trust: trustSettings(config, 'loopback'),
    clock: () => new Date(0),
    logger,
  });
  t.teardown(() => owned.close());
  return { store, ...owned };
}

t.test('the kernel names the catalog, shares one server per url and one lock table', async (t) => {
  const { store, kernel } = await kernelOf(t);
  t.equal(kernel.names.prefix, `sqlrs_${store.catalogId}_`);
  t.equal(kernel.clock().getTime(), 0);
  const pg = { imageId: 'postgres', kind: 'postgres' as const, url: 'postgres://a@127.0.0.1/x' };
  const same = kernel.servers(pg);
  t.equal(kernel.servers({ ...pg, imageId: 'postgres:15' }), same, 'one server per url');
  t.not(kernel.servers({ ...pg, url: 'postgres://b@127.0.0.1/x' }), same);
  const my = kernel.servers({ imageId: 'mysql', kind: 'mysql', url: 'mysql://root@127.0.0.1/' });
  t.equal(my.access, 'admin', 'a MySQL server with the configured build role');
  t.equal(kernel.locks.size, 0);
  t.notOk(kernel.deletions.busy('s'));
});

t.test('close closes every server made, once each, and survives a failing one', async (t) => {
  const { kernel, close } = await kernelOf(t);
  const server = kernel.servers({ imageId: 'postgres', kind: 'postgres', url: 'postgres://x@h/' });
  let closed = 0;
  server.close = async () => {
    closed++;
    throw new Error('already gone');
  };
  await close();
  t.equal(closed, 1);
});

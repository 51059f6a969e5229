import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { imageTarget } from '../../../../lib/config.js';
import {
  WARM_BASE_MIN_BYTES,
  warmBaseForLargeScripts,
} from '../../../../lib/prepare/accept/warm-base.js';
import { type TestEngine, testEngine } from '../../../helpers/engine.js';
import { contextOf, poolOf, prepare } from '../../../helpers/prepare.js';
import { tempDir } from '../../../helpers/tmp.js';
import { until } from '../../../helpers/until.js';
import { baseCopies, POOL, pooledDbs, SEED } from '../../../helpers/warm-pool.js';

// A request with a large script has the image's empty base copied while its steps are hashed
// (docs/prepare.md, the warm pool): the build it leads to takes a copy instead of waiting.

/** Holds the engine's hashing tasks until the function it answers is called. */
function holdHashing(e: TestEngine): () => void {
  const ctx = contextOf(e);
  const pool = ctx.pool;
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  ctx.pool = {
    size: pool.size,
    run: (task, input, transferList, signal) =>
      task.startsWith('hash')
        ? held.then(() => pool.run(task, input, transferList, signal))
        : pool.run(task, input, transferList, signal),
  };
  return release;
}

/** A script of at least `bytes` that makes the seed's table. */
async function script(t: Parameters<typeof tempDir>[0], bytes: number): Promise<string> {
  const path = join(await tempDir(t), 'dump.sql');
  const filler = `-- ${'x'.repeat(76)}\n`.repeat(Math.ceil(bytes / 80));
  await writeFile(path, `${filler}${SEED};\n`);
  return path;
}

t.test(
  'a large script: the base is copied while it is hashed, and its build takes it',
  async (t) => {
    const e = await testEngine(t, { config: POOL });
    const release = holdHashing(e);
    const file = await script(t, WARM_BASE_MIN_BYTES);
    const prepared = prepare(e, { psql_args: ['-f', file] });
    await until(() => baseCopies(e).length === 1, 'a copy of the base while the hash waits');
    await poolOf(e).idle();
    const [ahead] = baseCopies(e);
    release();
    const p = await prepared;
    t.ok(p.result, 'the prepare succeeds');
    t.ok(
      (p.job.tasks ?? []).some((task) => task.type === 'resolve_image'),
      'the job still resolves the image, and says so',
    );
    await poolOf(e).idle();
    t.notOk(baseCopies(e).includes(ahead as string), 'its build took the copy made ahead');
  },
);

t.test('a hit of a large script keeps its warm copy: nothing gives way to the base', async (t) => {
  const e = await testEngine(t, { config: { warm_pool: { per_state: 1, max_total: 1 } } });
  const file = await script(t, WARM_BASE_MIN_BYTES);
  t.ok((await prepare(e, { psql_args: ['-f', file] })).result, 'built');
  await poolOf(e).idle();
  const hit = await prepare(e, { psql_args: ['-f', file] });
  await poolOf(e).idle();
  const stateId = hit.result?.state_id as string;
  const [copy] = pooledDbs(e, stateId);
  t.ok(copy, 'the hit earned its state a copy');
  const release = holdHashing(e);
  const again = prepare(e, { psql_args: ['-f', file] });
  await poolOf(e).idle();
  t.same(pooledDbs(e), [copy], 'the pool is full: no copy of the base is made');
  release();
  const p = await again;
  t.equal(new URL(p.result?.dsn as string).pathname.slice(1), copy, 'the hit took the warm copy');
});

t.test('a small script asks for no copy, nor a warm pool turned off', async (t) => {
  const e = await testEngine(t, { config: POOL });
  const ctx = contextOf(e);
  const servers = ctx.servers;
  const asked: string[] = [];
  ctx.servers = (target) => {
    asked.push(target.imageId);
    return servers(target);
  };
  const target = imageTarget(ctx.config, 'postgres');
  warmBaseForLargeScripts(ctx, target, WARM_BASE_MIN_BYTES - 1);
  t.same(asked, [], 'below the size: the server is not even looked up');
  warmBaseForLargeScripts(ctx, target, WARM_BASE_MIN_BYTES);
  t.same(asked, ['postgres'], 'at the size it is');
  await until(() => baseCopies(e).length === 1, 'the base copied');
  const off = await testEngine(t);
  const offCtx = contextOf(off);
  offCtx.servers = ctx.servers;
  warmBaseForLargeScripts(offCtx, target, WARM_BASE_MIN_BYTES);
  t.same(asked, ['postgres'], 'without a warm pool nothing is asked');
});

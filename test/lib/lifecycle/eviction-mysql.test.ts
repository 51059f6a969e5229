import t from 'tap';
import type { CacheStatus } from '../../../lib/schema-types.js';
import { type TestEngine, testEngine } from '../../helpers/engine.js';
import { mysqlQuery } from '../../helpers/mysql.js';
import { prepare } from '../../helpers/prepare.js';

/** Bytes of the catalog's state schemas, as information_schema counts them. */
async function cachedBytes(e: TestEngine): Promise<number> {
  const dbs = e.store.stateHolds().map((s) => s.db_name);
  if (dbs.length === 0) return 0;
  const rows = await mysqlQuery<{ n: string | null }>(
    'SELECT SUM(DATA_LENGTH + INDEX_LENGTH) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA IN (?)',
    [dbs],
  );
  return Number(rows[0]?.n ?? 0);
}

type Plan = { tasks?: Array<{ type: string; cached?: boolean }> };

t.test(
  'MySQL: a loop of prepares stays under the budget; an evicted schema is rebuilt',
  async (t) => {
    // One InnoDB table is 16 KiB: 40 KiB holds two states, the watermark one.
    const max = 40 * 1024;
    const e = await testEngine(t, {
      config: { cache_max_bytes: max, cache_low_watermark: 0.5, cache_min_age: '0' },
    });
    const cache = e.deps.cache as NonNullable<TestEngine['deps']['cache']>;
    const run = (i: number) =>
      prepare(e, {
        prepare_kind: 'mysql',
        image_id: 'mariadb',
        mysql_args: ['-e', `create table t${i}(x int); insert into t${i} values (${i})`],
      });
    const held = await run(0);
    const built: string[] = [];
    for (let i = 1; i <= 5; i++) {
      const p = await run(i);
      t.equal(p.job.status, 'succeeded');
      built.push(p.result?.state_id as string);
      await cache.idle();
      const bytes = await cachedBytes(e);
      t.ok(bytes <= max, `after prepare ${i}: ${bytes} <= ${max}`);
      t.ok(e.store.getState(held.result?.state_id as string), 'the state with an instance stays');
      t.equal((await e.call('DELETE', `/v1/instances/${p.result?.instance_id}`)).status, 200);
    }
    const status = (await e.get('/v1/cache')).json() as CacheStatus;
    t.ok(status.servers.some((s) => s.image_ids.includes('mariadb') && s.max_bytes === max));
    t.notOk(e.store.getState(built[0] as string), 'the least recently used state went');
    const again = await run(1);
    const steps = ((again.job as Plan).tasks ?? []).filter((x) => x.type === 'state_execute');
    t.equal(steps[0]?.cached, false, 'an evicted state is built again');
  },
);

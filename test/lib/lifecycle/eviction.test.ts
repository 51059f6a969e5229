import t from 'tap';
import type { CacheEvicted, CacheStatus } from '../../../lib/schema-types.js';
import { type TestEngine, testEngine } from '../../helpers/engine.js';
import { ADMIN_URL, query } from '../../helpers/postgres.js';
import { prepare } from '../../helpers/prepare.js';
import { conforms } from '../../helpers/schema.js';

const MB = 1024 * 1024;

/** Bytes of the catalog's states and warm copies on the server, as the server counts them. */
async function cachedBytes(e: TestEngine): Promise<number> {
  const dbs = [
    ...e.store.stateHolds().map((s) => s.db_name),
    ...e.store.listPooled().map((p) => p.db_name),
  ];
  const rows = await query<{ n: string | null }>(
    ADMIN_URL,
    'SELECT sum(pg_database_size(datname)) AS n FROM pg_database WHERE datname = ANY($1::text[])',
    [dbs],
  );
  return Number(rows[0]?.n ?? 0);
}

const cache = (e: TestEngine) => e.deps.cache as NonNullable<TestEngine['deps']['cache']>;
const script = (i: number) => ['-c', `create table t${i}(x int); insert into t${i} values (${i})`];
type Plan = { tasks?: Array<{ type: string; cached?: boolean }> };
const executeTasks = (p: Awaited<ReturnType<typeof prepare>>) =>
  ((p.job as Plan).tasks ?? []).filter((x) => x.type === 'state_execute');

t.test(
  'a loop of prepares stays under the budget; a held state stays; an evicted one is rebuilt',
  async (t) => {
    // An empty PostgreSQL database is about 7.5 MB: 40 MB holds five states, the watermark two.
    const max = 40 * MB;
    const e = await testEngine(t, {
      config: {
        cache_max_bytes: max,
        cache_low_watermark: 0.5,
        cache_min_age: '0',
        warm_pool: { per_state: 0 },
      },
    });
    const first = await prepare(e, { psql_args: script(0) });
    const held = first.result?.state_id as string;
    const built: string[] = [];
    // Ten prepares (the loop is shorter than thirty to keep the suite quick on two cores).
    for (let i = 1; i <= 10; i++) {
      const p = await prepare(e, { psql_args: script(i) });
      t.equal(p.job.status, 'succeeded');
      built.push(p.result?.state_id as string);
      await cache(e).idle();
      const bytes = await cachedBytes(e);
      t.ok(bytes <= max, `after prepare ${i}: ${bytes} <= ${max}`);
      t.ok(e.store.getState(held), 'the state with an instance is kept');
      const del = await e.call('DELETE', `/v1/instances/${p.result?.instance_id}`);
      t.equal(del.status, 200);
    }
    const status = await e.get('/v1/cache');
    t.equal(status.status, 200);
    conforms(t, 'cache-status.json', status.json());
    const server = (status.json() as CacheStatus).servers[0];
    t.equal(server?.max_bytes, max);
    t.equal(server?.instance_count, 1);
    t.ok((status.json() as CacheStatus).last_eviction?.states, 'the last eviction is reported');
    t.notOk(e.store.getState(built[0] as string), 'the least recently used state was evicted');
    const again = await prepare(e, { psql_args: script(1) });
    t.equal(again.job.status, 'succeeded');
    t.equal(executeTasks(again)[0]?.cached, false, 'an evicted state is built again');
  },
);

t.test(
  'a dry run names what would go and drops nothing; a running job holds its states',
  async (t) => {
    const e = await testEngine(t, {
      config: { cache_max_bytes: 1, cache_min_age: '0', warm_pool: { per_state: 0 } },
    });
    const a = await prepare(e, { psql_args: script(1) });
    await e.call('DELETE', `/v1/instances/${a.result?.instance_id}`);
    const states = e.store.stateHolds().length;
    const dry = await e.call('POST', '/v1/cache/evict?dry_run=true');
    t.equal(dry.status, 200);
    conforms(t, 'cache-evicted.json', dry.json());
    const body = dry.json() as CacheEvicted;
    t.equal(body.dry_run, true);
    t.same(
      body.evicted.map((x) => x.id),
      [a.result?.state_id],
    );
    t.equal(e.store.stateHolds().length, states, 'nothing dropped');

    // A job building on state a, slowed by its step: a stays while the job runs.
    const res = await e.call('POST', '/v1/prepare-jobs', {
      body: JSON.stringify({
        prepare_kind: 'psql',
        psql_args: [...script(1), '-c', 'select pg_sleep(1)'],
      }),
    });
    const jobId = res.json().job_id as string;
    for (;;) {
      const job = (await e.get(`/v1/prepare-jobs/${jobId}`)).json();
      if (
        job.tasks?.some(
          (x: { status: string; task_id: string }) =>
            x.status === 'running' && x.task_id.startsWith('execute'),
        )
      )
        break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const now = (await e.call('POST', '/v1/cache/evict')).json() as CacheEvicted;
    t.notOk(
      now.evicted.some((x) => x.id === a.result?.state_id),
      'a state a running job needs stays',
    );
    t.ok(e.store.getState(a.result?.state_id as string));
    await e.get(`/v1/prepare-jobs/${jobId}/events`);
    t.equal((await e.get(`/v1/prepare-jobs/${jobId}`)).json().status, 'succeeded');
  },
);

t.test('GET /v1/states/{id} counts its warm copies', async (t) => {
  const e = await testEngine(t, { config: { cache_min_age: '0' } });
  const a = await prepare(e, { psql_args: script(1) });
  const res = await e.get(`/v1/states/${a.result?.state_id}`);
  t.same(res.json().warm_copies, { count: 0, bytes: 0 });
  conforms(t, 'state-entry.json', res.json());
});

t.test('usage counts states and warm copies only: a big instance is not sized', async (t) => {
  const e = await testEngine(t, { config: { cache_min_age: '1h', warm_pool: { per_state: 0 } } });
  const a = await prepare(e, { psql_args: script(1) });
  const dsn = a.result?.dsn as string;
  await query(
    dsn,
    'create table big as select g, repeat($$x$$, 100) AS pad from generate_series(1, 100000) g',
  );
  const db = new URL(dsn).pathname.slice(1);
  const [inst] = await query<{ n: string }>(ADMIN_URL, 'SELECT pg_database_size($1) AS n', [db]);
  const server = ((await e.get('/v1/cache')).json() as CacheStatus).servers[0];
  t.equal(server?.usage_bytes, await cachedBytes(e), 'the state alone');
  t.ok(Number(inst?.n) > (server?.usage_bytes ?? 0), 'the bigger instance is not counted');
});

import t from 'tap';
import { imageTarget } from '../../../lib/config.js';
import { newJobId } from '../../../lib/id.js';
import { CatalogClock } from '../../../lib/kernel/catalog-clock.js';
import { EngineLeases } from '../../../lib/lifecycle/engine-leases.js';
import type { PrepareContext } from '../../../lib/prepare/context.js';
import { Job } from '../../../lib/prepare/jobs/job.js';
import { openPostgresStore } from '../../../lib/store/postgres/index.js';
import { PgJobBoard } from '../../../lib/store/postgres/job-board.js';
import { cutProxy } from '../../helpers/cut-proxy.js';
import { clusterToolsMissing, ownCluster } from '../../helpers/own-cluster.js';
import { pgCatalog } from '../../helpers/pg-catalog.js';
import { ADMIN_URL, databaseExists, query } from '../../helpers/postgres.js';
import { hex, stateIdFor, stateRow } from '../../helpers/rows.js';
import { sharedEngines } from '../../helpers/shared-engines.js';
import { stallingClock } from '../../helpers/stalling-clock.js';
import { until } from '../../helpers/until.js';

const later = (ms: number) => new Date(Date.now() + ms).toISOString();

t.test('an engine starting while another builds leaves its build alone', async (t) => {
  const { start } = await sharedEngines(t);
  const a = await start();
  const c = a.core.store.catalogId;
  // A's build waits before it publishes its state until B has started.
  let go = () => {};
  const gate = new Promise<void>((r) => {
    go = r;
  });
  const ctx = (a.core.deps.jobs as unknown as { ctx: PrepareContext }).ctx;
  const server = ctx.servers(imageTarget(ctx.config, 'postgres'));
  const publish = server.publish.bind(server);
  server.publish = async (...args) => {
    await gate;
    return publish(...args);
  };
  const res = await a.call('POST', '/v1/prepare-jobs', {
    prepare_kind: 'psql',
    psql_args: ['-c', 'create table t(x int)'],
  });
  t.equal(res.status, 202);
  const jobId = res.body.job_id as string;
  // A's build database exists and its record is pending: B's start sees both.
  let buildDb = '';
  await until(async () => {
    const p = a.core.store.listPending().find((r) => r.kind === 'state_build');
    buildDb = p?.db_name ?? '';
    return buildDb !== '' && (await databaseExists(buildDb));
  }, 'A building');
  t.match(buildDb, new RegExp(`^sqlrs_${c}_b_`));
  t.equal(a.core.store.listPending()[0]?.engine_id, a.core.deps.engine.instanceId, 'owned by A');
  const b = await start();
  t.ok(await databaseExists(buildDb), "B's start did not drop A's build database");
  t.same(b.core.deps.deletion.lastReconcile().dropped, []);
  go();
  const events = await a.events(jobId);
  t.equal(events.at(-1)?.type, 'result', "A's prepare succeeded");
  t.same(
    b.core.store
      .listEngines()
      .map((e) => e.engine_id)
      .sort(),
    [a.core.deps.engine.instanceId, b.core.deps.engine.instanceId].sort(),
    'both engines hold a lease',
  );
});

t.test("a dead engine's half-built database is dropped by another engine's pass", async (t) => {
  const { start } = await sharedEngines(t);
  const b = await start();
  const c = b.core.store.catalogId;
  const dead = hex(16);
  const lapsing = hex(16);
  const deadDb = `sqlrs_${c}_b_${hex(16)}_0`;
  const lapsingDb = `sqlrs_${c}_b_${hex(16)}_0`;
  for (const db of [deadDb, lapsingDb]) await query(ADMIN_URL, `CREATE DATABASE "${db}"`);
  t.teardown(async () => {
    for (const db of [deadDb, lapsingDb])
      await query(ADMIN_URL, `DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
  });
  const pending = (engine: string, db: string) => ({
    op_id: hex(8),
    kind: 'state_build' as const,
    image_id: 'postgres',
    db_name: db,
    target_id: hex(32),
    job_id: hex(16),
    created_at: new Date().toISOString(),
    engine_id: engine,
  });
  // One engine's lease lapsed long ago (it never renewed); another's lapses soon.
  await b.core.store.write((w) => {
    w.putEngine({ engine_id: dead, started_at: later(-60_000), lease_expires_at: later(-30_000) });
    w.putEngine({ engine_id: lapsing, started_at: later(0), lease_expires_at: later(3000) });
    w.addPending(pending(dead, deadDb));
    w.addPending(pending(lapsing, lapsingDb));
  });
  await until(async () => !(await databaseExists(deadDb)), "the dead engine's build dropped");
  t.ok(await databaseExists(lapsingDb), 'a live lease keeps its work');
  // The row goes in a write of its own after the reconciliation that dropped the database.
  await until(() => !b.core.store.getEngine(dead), "the dead engine's row is removed");
  t.ok(b.core.store.getEngine(lapsing));
  await until(async () => !(await databaseExists(lapsingDb)), 'the lapsed lease');
  await until(() => b.core.store.listPending().length === 0, 'records resolved');
  // The row goes in a write of its own once the reconciliation is done.
  await until(() => !b.core.store.getEngine(lapsing), "the lapsed engine's row removed");
  t.ok(b.core.store.getEngine(b.core.deps.engine.instanceId), 'B keeps its own');
});

t.test("a pass leaves alone the rows another engine's prepare wrote while it listed", async (t) => {
  const { start } = await sharedEngines(t);
  const a = await start();
  const b = await start();
  // A's pass lists the server, and B's whole prepare finishes before A reads the catalog: the
  // replica follows B by itself (LISTEN), so what A reads next shows rows its listing missed.
  const ctx = (a.core.deps.jobs as unknown as { ctx: PrepareContext }).ctx;
  const server = ctx.servers(imageTarget(ctx.config, 'postgres'));
  const list = server.list.bind(server);
  let listed = () => {};
  const listing = new Promise<void>((r) => {
    listed = r;
  });
  let go = () => {};
  const gate = new Promise<void>((r) => {
    go = r;
  });
  server.list = async (...args) => {
    const found = await list(...args);
    listed();
    await gate;
    return found;
  };
  const prepared = async (sql: string) => {
    const res = await b.call('POST', '/v1/prepare-jobs', {
      prepare_kind: 'psql',
      psql_args: ['-c', sql],
    });
    t.equal(res.status, 202);
    const events = await b.events(res.body.job_id as string);
    const result = events.at(-1) as { type: string; result?: { instance_id: string } };
    t.equal(result.type, 'result', "B's prepare succeeded");
    return result.result?.instance_id as string;
  };
  // A database on the server, so that the pass lists it.
  const first = await prepared('create table before(x int)');
  await until(() => a.core.store.getInstance(first) !== undefined, 'A follows B');
  const pass = a.core.deps.deletion.reconcile({ deadOnly: true });
  await listing;
  const instanceId = await prepared('create table t(x int)');
  await until(() => a.core.store.getInstance(instanceId) !== undefined, 'A follows B');
  go();
  const report = await pass;
  t.same(report.forgotten, [], 'nothing forgotten');
  await b.core.store.refresh();
  t.ok(b.core.store.getInstance(instanceId), "B's instance is still in the catalog");
  const stateId = b.core.store.getInstance(instanceId)?.state_id as string;
  t.ok(b.core.store.getState(stateId), "B's state is still in the catalog");
});

t.test('a pass that takes long does not hold back the lease renewals', async (t) => {
  const catalog = await pgCatalog(t);
  const store = await catalog.open();
  let go = () => {};
  const gate = new Promise<void>((r) => {
    go = r;
  });
  let reconciling = false;
  const engineId = hex(16);
  const quiet = { info: () => undefined, error: () => undefined };
  // The reconciliation of a dead engine's work can wait long on a server (its settle waits for
  // other engines' statements): the lease must be renewed meanwhile, or the engine doing the
  // takeover looks dead to the others and its own work is taken over in turn.
  const leases = new EngineLeases(
    {
      store,
      catalogClock: new CatalogClock(store, () => new Date()),
      logger: quiet,
      engineId,
      leaseMs: 300,
    },
    {
      reconcile: async () => {
        reconciling = true;
        await gate;
      },
    },
  );
  t.teardown(async () => {
    go();
    await leases.close();
  });
  await store.write((w) =>
    w.addPending({
      op_id: hex(8),
      kind: 'state_build',
      image_id: 'postgres',
      db_name: `sqlrs_${store.catalogId}_b_${hex(16)}_0`,
      target_id: hex(32),
      job_id: hex(16),
      created_at: new Date().toISOString(),
      engine_id: hex(16), // an engine with no lease row: dead
    }),
  );
  await leases.start();
  await until(() => reconciling, 'a pass reconciles');
  const leaseEnd = () => store.getEngine(engineId)?.lease_expires_at;
  const during = leaseEnd();
  await until(async () => {
    await store.refresh();
    return leaseEnd() !== during;
  }, 'renewed while the pass runs');
  t.pass('the lease was renewed during the pass');
  go();
});

t.test(
  'after the catalog was out of reach, no engine is judged dead before it could renew',
  async (t) => {
    // Both engines lose the catalog (its server restarting) for longer than a lease and its
    // grace. The first pass after it answers again must not find the other engine dead: that
    // engine could not renew either, and its next renewal is up to a third of a lease away.
    // Judged dead, its half-built work would be reconciled: a state it published, whose row it
    // still holds to write, dropped under it.
    const proxy = await cutProxy(t);
    const cat = await pgCatalog(t);
    const other = await cat.open();
    const store = await openPostgresStore({ url: proxy.url(cat.db) });
    t.teardown(() => store.close().catch(() => undefined));
    const leaseMs = 3000;
    const otherId = hex(16);
    const renewOther = () =>
      other.write((w) =>
        w.putEngine({ engine_id: otherId, started_at: later(0), lease_expires_at: later(leaseMs) }),
      );
    await renewOther();
    const judgedDead: string[][] = [];
    const quiet = { info: () => undefined, error: () => undefined };
    const leases = new EngineLeases(
      {
        store,
        catalogClock: new CatalogClock(store, () => new Date()),
        logger: quiet,
        engineId: hex(16),
        leaseMs,
      },
      {
        reconcile: async () => undefined,
        failJobs: async (ids) => {
          // Called at every pass (jobs of engines with no row); only a named engine is judged.
          if (ids.length > 0) judgedDead.push(ids);
        },
      },
    );
    t.teardown(() => leases.close());
    await leases.start();
    proxy.down();
    // The other engine's lease and its grace run out while neither can reach the catalog.
    const lapsedBy = Date.now() + leaseMs + leaseMs / 3;
    await until(() => Date.now() > lapsedBy + 500, "the other engine's lease lapsed");
    const passesBefore = leases.passes;
    await until(() => leases.passes > passesBefore, 'a pass while the catalog is away');
    proxy.up();
    // A renewal lands, then a whole pass runs after it: the other engine has not renewed yet.
    const renewedAt = async () =>
      (
        await query<{ at: string }>(
          cat.url,
          'SELECT lease_expires_at AS at FROM sqlrs_catalog.engines',
        )
      )
        .map((r) => r.at)
        .join();
    const seen = await renewedAt();
    await until(async () => (await renewedAt()) !== seen, 'a renewal after the outage');
    const passesAfter = leases.passes;
    await until(() => leases.passes > passesAfter + 1, 'a pass after that renewal');
    t.same(judgedDead, [], 'the other engine is not judged dead before it could renew');
    await renewOther();
    const passes = leases.passes;
    await until(() => leases.passes > passes + 1, 'passes after its renewal');
    t.same(judgedDead, [], 'nor after it renewed');
    await store.refresh();
    t.ok(store.getEngine(otherId), 'its row is kept');
  },
);

const noCluster = await clusterToolsMissing();
t.test(
  'a catalog server restart longer than a lease does not make the engine take its own for lost',
  { skip: noCluster },
  async (t) => {
    // Its renewals fail while the server is down; its first one after the restart finds its
    // row lapsed. No engine could renew meanwhile, and none judges a lease lapsed before a
    // whole lease from the server's start: its work was not taken over, and ending its jobs
    // (those the clients started once the catalog answered again) would be for nothing.
    const cluster = await ownCluster(t);
    const store = await openPostgresStore({ url: cluster.url });
    t.teardown(() => store.close().catch(() => undefined));
    const leaseMs = 3000;
    const events: string[] = [];
    let abandoned = 0;
    const leases = new EngineLeases(
      {
        store,
        catalogClock: new CatalogClock(store, () => new Date()),
        logger: { info: (e) => events.push(e), error: (e) => events.push(e) },
        engineId: hex(16),
        leaseMs,
      },
      { reconcile: async () => undefined },
      {
        abandon: async () => {
          abandoned++;
        },
      },
    );
    t.teardown(() => leases.close());
    await leases.start();
    await cluster.stop();
    const lapsed = Date.now() + leaseMs + leaseMs / 3 + 500;
    await until(() => Date.now() > lapsed, 'the lease and its grace ran out');
    await cluster.start();
    const renewals = () => events.filter((e) => e === 'engine_lease_not_renewed').length;
    const failed = renewals();
    t.ok(failed > 0, 'renewals failed while the server was down');
    // A lease written before the stop ends before this; one renewed after the restart, after.
    const renewedBy = Date.now() + leaseMs / 2;
    const renewed = async () =>
      (
        await query<{ at: string }>(
          cluster.url,
          'SELECT lease_expires_at AS at FROM sqlrs_catalog.engines',
        ).catch(() => [])
      ).some((r) => Date.parse(r.at) > renewedBy);
    await until(renewed, 'a renewal after the restart');
    t.equal(abandoned, 0, 'its jobs are not ended');
    t.notOk(events.includes('engine_lease_lost'), 'no lease lost is logged');
  },
);

t.test('engines whose clocks are skewed judge leases by the catalog server’s clock', async (t) => {
  const { start } = await sharedEngines(t);
  const skewed = (ms: number) => () => new Date(Date.now() + ms);
  // A lease of 4s has a grace of 1.33 s: either skew alone made the engine ahead find the
  // others dead at its first pass, and the others find the engine behind dead at theirs.
  const engines = [
    await start(),
    await start({}, { clock: skewed(10_000) }),
    await start({}, { clock: skewed(-10_000) }),
  ];
  const c = engines[0]?.core.store.catalogId as string;
  const ids = engines.map((e) => e.core.deps.engine.instanceId);
  const dbs = ids.map(() => `sqlrs_${c}_b_${hex(16)}_0`);
  for (const db of dbs) await query(ADMIN_URL, `CREATE DATABASE "${db}"`);
  t.teardown(async () => {
    for (const db of dbs) await query(ADMIN_URL, `DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
  });
  // Each engine's half-built database, as a build in progress records it.
  const store = engines[0]?.core.store as (typeof engines)[0]['core']['store'];
  await store.write((w) => {
    for (const [i, id] of ids.entries())
      w.addPending({
        op_id: hex(8),
        kind: 'state_build',
        image_id: 'postgres',
        db_name: dbs[i] as string,
        target_id: hex(32),
        job_id: hex(16),
        created_at: new Date().toISOString(),
        engine_id: id,
      });
  });
  // Every engine renews four times (a pass after each) while the others watch.
  const seen = ids.map(() => new Set<string>());
  await until(async () => {
    await store.refresh();
    for (const [i, id] of ids.entries()) {
      const row = store.getEngine(id);
      if (row) seen[i]?.add(row.lease_expires_at);
    }
    return seen.every((s) => s.size >= 5);
  }, 'four renewals of every engine');
  for (const [i, id] of ids.entries()) {
    t.ok(store.getEngine(id), `engine ${i} keeps its lease row`);
    t.ok(await databaseExists(dbs[i] as string), `engine ${i}'s build database is kept`);
  }
  t.equal(store.listPending().length, ids.length, 'no record taken over');
  // The leases are written in the server's time, whatever the engine's clock says.
  const [{ now }] = (await query<{ now: string }>(
    ADMIN_URL,
    'SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS now',
  )) as [{ now: string }];
  for (const id of ids) {
    const ends = Date.parse(store.getEngine(id)?.lease_expires_at as string);
    t.ok(Math.abs(ends - Number(now) - 4000) < 2000, `${id}'s lease ends about 4s from now`);
  }
});

t.test("a dead engine's build record leaves the database a live build published", async (t) => {
  // A MySQL build runs in the state's own schema: a dead engine's record of a build of a
  // state names the same database as the live engine's finished build of it. The record's
  // name alone must not get that database dropped.
  const { start } = await sharedEngines(t);
  const b = await start();
  const c = b.core.store.catalogId;
  const stateId = stateIdFor(hex(8));
  const db = `sqlrs_${c}_s_${stateId.slice(0, 32)}`;
  await query(ADMIN_URL, `CREATE DATABASE "${db}"`);
  t.teardown(() => query(ADMIN_URL, `DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`));
  await b.core.store.write((w) => {
    w.insertState(stateRow({ state_id: stateId, db_name: db, image_id: 'postgres' }));
    w.addPending({
      op_id: hex(8),
      kind: 'state_build',
      image_id: 'postgres',
      db_name: db,
      target_id: stateId,
      job_id: hex(16),
      created_at: new Date().toISOString(),
      engine_id: hex(16), // no lease row: dead
    });
  });
  await until(() => b.core.store.listPending().length === 0, 'the dead record resolved');
  t.ok(await databaseExists(db), "the live build's database is kept");
  t.ok(b.core.store.getState(stateId), 'and its state');
});

// A stalled event loop (a loaded machine) stretches the round trip of a clock sync; the
// server's clock read at its end put the engine's "now" half of it ahead, past the grace.
t.test('a slow clock sync does not make a live engine look dead', async (t) => {
  const catalog = await pgCatalog(t);
  const store = await catalog.open();
  const f = stallingClock(5000);
  const leaseMs = 3000; // a grace of 1 s
  const catalogClock = new CatalogClock(f.store, f.local, 250);
  let reconciled = false;
  const failed: string[][] = [];
  const leases = new EngineLeases(
    {
      store,
      catalogClock,
      logger: { info: () => undefined, error: () => undefined },
      engineId: hex(16),
      leaseMs,
    },
    {
      reconcile: async () => {
        reconciled = true;
      },
      failJobs: async (ids) => {
        failed.push(ids);
      },
    },
  );
  await catalogClock.sync();
  f.stallMs = 3000;
  await catalogClock.sync();
  // Another engine's lease, by the server's time, lapsed 300 ms ago: alive 700 ms more.
  const live = hex(16);
  await store.write((w) =>
    w.putEngine({
      engine_id: live,
      started_at: new Date(f.server() - 60_000).toISOString(),
      lease_expires_at: new Date(f.server() - 300).toISOString(),
    }),
  );
  const report = await leases.pass();
  t.same(report.dead, [], 'nobody is judged dead');
  t.notOk(reconciled, 'nothing reconciled');
  t.same(failed.flat(), [], 'no job failed');
  await store.refresh();
  t.ok(store.getEngine(live), 'its row is kept');
});

t.test('a slow clock sync at a renewal does not make an engine think its lease lost', async (t) => {
  const catalog = await pgCatalog(t);
  const store = await catalog.open();
  const f = stallingClock(5000);
  const engineId = hex(16);
  const leaseMs = 3000; // renewed every second of real time; a grace of 1 s
  const catalogClock = new CatalogClock(f.store, f.local, 250);
  const abandoned: string[] = [];
  const leases = new EngineLeases(
    {
      store,
      catalogClock,
      logger: { info: () => undefined, error: () => undefined },
      engineId,
      leaseMs,
    },
    { reconcile: async () => undefined },
    {
      abandon: async (reason) => {
        abandoned.push(reason);
      },
    },
  );
  t.teardown(() => leases.close());
  await leases.start();
  const first = store.getEngine(engineId)?.lease_expires_at;
  t.equal(first, new Date(f.server() + leaseMs).toISOString());
  // Each renewal's sync now stalls 3 s: the engine's clock moves as much (the lease, by the
  // server's time, has 0 s left, half a grace short of a loss), its sync is 1.5 s off.
  f.stallMs = 3000;
  await until(() => leases.passes >= 2, 'two renewals and their passes');
  t.same(abandoned, [], 'no loss taken');
  await store.refresh();
  const renewed = Date.parse(store.getEngine(engineId)?.lease_expires_at as string);
  const moved = renewed - Date.parse(first as string);
  // Each renewal's server time is 3 s on: a lease counted from a sync's error is not.
  t.ok(moved > 0 && moved % 3000 === 0, `renewed by whole stalls of the server's time (${moved})`);
});

t.test('a pass fails the jobs of an engine that has no lease row', async (t) => {
  const catalog = await pgCatalog(t);
  const store = await catalog.open();
  const board = (engineId: string) => {
    const b = new PgJobBoard({
      url: catalog.url,
      schema: 'sqlrs_catalog',
      engineId,
      clock: () => new Date(),
      retentionMs: 60_000,
      keepTotal: 1000,
      pollMs: 100,
      onError: (e) => t.comment(`board: ${e}`),
    });
    t.teardown(() => b.close());
    return b;
  };
  const [mine, gone] = [board(hex(16)), board(hex(16))];
  const leases = new EngineLeases(
    {
      store,
      catalogClock: new CatalogClock(store, () => new Date()),
      logger: { info: () => undefined, error: () => undefined },
      engineId: hex(16),
      leaseMs: 30_000,
    },
    { reconcile: async () => undefined, failJobs: (ids) => mine.failJobsOf(ids).then(() => {}) },
  );
  // The engine that ran it is gone and so is its row: no engine is found dead.
  const job = new Job({
    id: newJobId(),
    kind: 'psql',
    imageId: 'postgres',
    planOnly: false,
    argsNormalized: '-c select 1',
    signature: 'sig',
    createdAt: new Date().toISOString(),
    clock: () => new Date(),
  });
  gone.publish(job);
  job.emit({ type: 'status', status: 'queued' });
  job.setStatus('running');
  await gone.settled(job);
  const report = await leases.pass();
  t.same(report.dead, [], 'no engine found dead');
  t.equal((await mine.get(job.id))?.error?.code, 'engine_lost', 'its job failed engine_lost');
});

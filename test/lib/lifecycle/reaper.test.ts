import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { type TestEngine, testClock, testEngine } from '../../helpers/engine.js';
import { holdMysqlSession, mysqlSchemas } from '../../helpers/mysql.js';
import { databaseExists, holdPsqlSession, sessionsOn } from '../../helpers/postgres.js';
import { prepare } from '../../helpers/prepare.js';
import { instanceRow, stateRow } from '../../helpers/rows.js';
import { until } from '../../helpers/until.js';

// The reaper against the real servers (docs/lifecycle.md): nothing here reads the time a
// drop took; each test waits for a marker (a control instance dropped, a database gone).
const FAST = { reap_interval: '20ms' };
let n = 0;

async function instance(e: TestEngine, extra: Record<string, unknown> = {}) {
  n++;
  const p = await prepare(e, { psql_args: ['-c', `create table t${n}(x int)`], ...extra });
  if (!p.result) throw new Error(`prepare failed: ${JSON.stringify(p.job.error)}`);
  const id = p.result.instance_id;
  const db = e.store.getInstance(id)?.db_name as string;
  return { id, db, dsn: p.result.dsn };
}

const gone = (e: TestEngine, id: string, db: string) => async () =>
  e.store.getInstance(id) === undefined && !(await databaseExists(db));

t.test('ttl_seconds 2: gone from the server and the catalog after it expires', async (t) => {
  const e = await testEngine(t, { config: FAST });
  const i = await instance(e, { ttl_seconds: 2 });
  const entry = (await e.get(`/v1/instances/${i.id}`)).json();
  t.equal(Date.parse(entry.expires_at) - Date.parse(entry.created_at), 2000);
  await until(gone(e, i.id, i.db), 'the expired instance dropped');
  t.equal((await e.get(`/v1/instances/${i.id}`)).status, 404);
});

t.test('an expired instance with a session is kept through the grace, then forced', async (t) => {
  const clock = testClock();
  const e = await testEngine(t, {
    config: { ...FAST, expiry_grace: '1h' },
    clock: clock.now,
  });
  const held = await instance(e, { ttl_seconds: 60 });
  const control = await instance(e, { ttl_seconds: 60 });
  await holdPsqlSession(t, held.dsn);
  clock.advance(120_000);
  await until(gone(e, control.id, control.db), 'the idle expired instance dropped');
  t.ok(e.store.getInstance(held.id), 'the one with a session is kept within the grace');
  t.equal((await e.get(`/v1/instances/${held.id}`)).json().status, 'expired');
  t.ok(await databaseExists(held.db));
  clock.advance(3_600_000);
  await until(gone(e, held.id, held.db), 'the instance dropped once the grace passed');
  t.equal(await sessionsOn(held.db), 0, 'its session was terminated');
});

t.test('renew extends an instance; bad TTLs are refused by name', async (t) => {
  const clock = testClock();
  const e = await testEngine(t, { config: FAST, clock: clock.now });
  const renewed = await instance(e, { ttl_seconds: 60, name: 'lease' });
  const control = await instance(e, { ttl_seconds: 60 });
  const res = await e.call('POST', '/v1/instances/lease/renew', {
    body: JSON.stringify({ ttl_seconds: 3600 }),
  });
  t.equal(res.status, 200);
  t.equal(res.json().instance_id, renewed.id);
  t.ok(Date.parse(res.json().expires_at) - Date.now() > 3_500_000, 'expires an hour from now');
  clock.advance(120_000);
  await until(gone(e, control.id, control.db), 'the unrenewed instance dropped');
  t.ok(e.store.getInstance(renewed.id), 'the renewed one stays');
  t.equal((await e.get('/v1/names/lease')).json().status, 'active');

  for (const bad of [0, -1, 1.5, 2678401, 'x']) {
    const r = await e.call('POST', `/v1/instances/${renewed.id}/renew`, {
      body: JSON.stringify({ ttl_seconds: bad }),
    });
    t.equal(r.status, 400, `renew ${bad}`);
    t.match(r.json().message, /ttl_seconds/);
    const p = await e.call('POST', '/v1/prepare-jobs', {
      body: JSON.stringify({
        prepare_kind: 'psql',
        psql_args: ['-c', 'select 1'],
        ttl_seconds: bad,
      }),
    });
    t.equal(p.status, 400, `prepare ${bad}`);
    t.match(p.json().message, /ttl_seconds/);
  }
  const missing = await e.call('POST', `/v1/instances/${control.id}/renew`, {
    body: JSON.stringify({ ttl_seconds: 60 }),
  });
  t.equal(missing.status, 404);
});

t.test(
  'instance_ttl: an unnamed instance slides while used, a named one never expires',
  async (t) => {
    const clock = testClock();
    const e = await testEngine(t, { config: { ...FAST, instance_ttl: '1h' }, clock: clock.now });
    const used = await instance(e);
    const idle = await instance(e);
    const named = await instance(e, { name: 'keeper' });
    const entry = (await e.get(`/v1/instances/${used.id}`)).json();
    t.equal(Date.parse(entry.expires_at) - Date.parse(entry.created_at), 3_600_000);
    t.notOk((await e.get(`/v1/instances/${named.id}`)).json().expires_at, 'named: no expiry');
    await holdPsqlSession(t, used.dsn);
    clock.advance(2 * 3_600_000);
    await until(gone(e, idle.id, idle.db), 'the idle unnamed instance dropped');
    const after = (await e.get(`/v1/instances/${used.id}`)).json();
    t.equal(after.status, 'orphaned', 'the used one is not expired');
    t.ok(Date.parse(after.expires_at) > clock.now().getTime(), 'its expiry moved with its use');
    t.ok(e.store.getInstance(named.id), 'the named one stays');
  },
);

t.test(
  'a sliding instance far from its end is not looked at; once due, a session moves it',
  async (t) => {
    const clock = testClock();
    const e = await testEngine(t, { config: { ...FAST, instance_ttl: '1h' }, clock: clock.now });
    const used = await instance(e);
    await holdPsqlSession(t, used.dsn);
    // The marker that passes ran after the clock moved: a one-second instance dropped.
    const control = await instance(e, { ttl_seconds: 1 });
    const before = e.store.getInstance(used.id);
    clock.advance(60_000);
    await until(gone(e, control.id, control.db), 'a pass ran a minute later');
    t.equal(
      e.store.getInstance(used.id)?.last_used_at,
      before?.last_used_at,
      'an hour from its end: not a candidate, its session not asked for',
    );
    clock.advance(3_600_000);
    await until(
      async () => (e.store.getInstance(used.id)?.last_used_at ?? '') > (before?.expires_at ?? ''),
      'due: its session seen, its last use moved',
    );
    const row = e.store.getInstance(used.id);
    t.ok(Date.parse(row?.expires_at as string) > clock.now().getTime(), 'and its expiry with it');
    t.ok(await databaseExists(used.db), 'not dropped');
  },
);

t.test('MySQL: an expired instance is dropped', async (t) => {
  const e = await testEngine(t, { config: FAST });
  const p = await prepare(e, {
    prepare_kind: 'mysql',
    image_id: 'mariadb',
    mysql_args: ['-e', 'create table t(x int)'],
    ttl_seconds: 1,
  });
  if (!p.result) throw new Error(`prepare failed: ${JSON.stringify(p.job.error)}`);
  const id = p.result.instance_id;
  const db = e.store.getInstance(id)?.db_name as string;
  await until(
    async () =>
      e.store.getInstance(id) === undefined &&
      !(await mysqlSchemas(e.store.catalogId)).includes(db),
    'the MySQL instance dropped',
  );
  t.pass('dropped');
});

t.test('MySQL: a session keeps a sliding instance alive', async (t) => {
  const clock = testClock();
  const e = await testEngine(t, { config: { ...FAST, instance_ttl: '1h' }, clock: clock.now });
  const make = async (table: string) => {
    const p = await prepare(e, {
      prepare_kind: 'mysql',
      image_id: 'mariadb',
      mysql_args: ['-e', `create table ${table}(x int)`],
    });
    if (!p.result) throw new Error(`prepare failed: ${JSON.stringify(p.job.error)}`);
    const id = p.result.instance_id;
    return { id, db: e.store.getInstance(id)?.db_name as string };
  };
  const used = await make('u');
  const idle = await make('i');
  await holdMysqlSession(t, used.db);
  clock.advance(2 * 3_600_000);
  await until(async () => e.store.getInstance(idle.id) === undefined, 'the idle one dropped');
  t.ok(e.store.getInstance(used.id), 'the one with a session stays');
  t.ok((await mysqlSchemas(e.store.catalogId)).includes(used.db));
});

t.test(
  'a server that fails and a row of an unknown image are logged and passed over',
  async (t) => {
    const e = await testEngine(t, {
      config: { ...FAST, images: { broken: 'postgres://postgres@127.0.0.1:1/postgres' } },
    });
    const past = '2026-01-01T00:00:00.000Z';
    const s = stateRow();
    const unreachable = instanceRow(s.state_id, { image_id: 'broken', expires_at: past });
    const unknown = instanceRow(s.state_id, { image_id: 'nowhere:1', expires_at: past });
    await e.store.write((w) => {
      w.insertState(s);
      w.insertInstance(unreachable);
      w.insertInstance(unknown);
    });
    const real = await instance(e, { ttl_seconds: 1, image_id: 'postgres' });
    await until(gone(e, real.id, real.db), 'the expired instance on the good server dropped');
    const log = join(e.stateDir, 'logs', 'engine.log');
    await until(async () => {
      const text = await readFile(log, 'utf8');
      return text.includes('"reap_server_failed"') && text.includes('"reap_skipped"');
    }, 'both failures logged');
    t.ok(e.store.getInstance(unreachable.instance_id), 'kept for a later pass');
    t.ok(e.store.getInstance(unknown.instance_id), 'kept for a later pass');
    await e.store.write((w) => {
      w.deleteInstance(unreachable.instance_id);
      w.deleteInstance(unknown.instance_id);
      w.deleteState(s.state_id);
    });
  },
);

t.test(
  'time the engine was stopped does not count: the first pass after a start keeps a sliding instance',
  async (t) => {
    const clock = testClock();
    // One pass at start, then none during the test: what the first pass does is all there is.
    const config = { instance_ttl: '1h', reap_interval: '24h' };
    const first = await testEngine(t, { config, clock: clock.now });
    const sliding = await instance(first);
    const fixed = await instance(first, { ttl_seconds: 60 });
    await first.stop('downtime');
    clock.advance(2 * 3_600_000); // stopped past both expiries
    const again = await testEngine(t, { stateDir: first.stateDir, clock: clock.now });
    // The pass logs `reaped` once it is through (the first engine's pass had nothing to drop).
    const log = join(again.stateDir, 'logs', 'engine.log');
    await until(async () => (await readFile(log, 'utf8')).includes('"reaped"'), 'a pass done');
    t.ok(await gone(again, fixed.id, fixed.db)(), 'the fixed TTL expired on the wall clock');
    const row = again.store.getInstance(sliding.id);
    t.ok(row, 'the sliding instance stays');
    t.ok(await databaseExists(sliding.db));
    t.ok(
      Date.parse(row?.expires_at as string) >= clock.now().getTime() + 3_500_000,
      'its last use moved to the start: an hour from now',
    );
  },
);

t.test('ttl_seconds counts from the hand-out, not from before the build', async (t) => {
  const e = await testEngine(t);
  const before = Date.now();
  // The step takes at least two seconds: a TTL counted from the job's start would lose them.
  const i = await instance(e, { ttl_seconds: 60, psql_args: ['-c', 'select pg_sleep(2)'] });
  const entry = (await e.get(`/v1/instances/${i.id}`)).json();
  t.ok(Date.parse(entry.created_at) >= before + 2000, 'created when handed out, after the build');
  t.equal(Date.parse(entry.expires_at) - Date.parse(entry.created_at), 60_000);
});

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { type JobEvent, Sqlrs } from '../../../lib/client/index.js';
import { cliStateDir, runCli } from '../../helpers/cli.js';
import { mysqlOutcome } from '../../helpers/mysql.js';
import { holdClient, outcome, query, whenRunning } from '../../helpers/postgres.js';
import { clientAndEngine, instanceDatabases } from '../../helpers/sqlrs-client.js';
import { tempDir } from '../../helpers/tmp.js';

t.test('psql: relative -f against cwd, stdin, events in order, then release', async (t) => {
  const { engine, client } = await clientAndEngine(t);
  const work = await tempDir(t);
  await mkdir(join(work, 'db'));
  await writeFile(join(work, 'db', 'schema.sql'), 'create table t(x int);\n');
  const events: JobEvent[] = [];
  const db = await client.prepare(
    { psql: ['-f', 'db/schema.sql', '-f', '-'], stdin: 'insert into t values (7);' },
    { cwd: work, onEvent: (e) => events.push(e) },
  );
  t.match(db, { instanceId: /^[0-9a-f]{32}$/, stateId: /^[0-9a-f]{64}$/, dsn: /^postgres:/ });
  t.same(await query(db.dsn, 'select x from t'), [{ x: 7 }]);
  t.match(events[0], { type: 'status', status: 'queued' });
  t.match(events.at(-1), { type: 'result', result: { instance_id: db.instanceId } });
  // The image (a fresh engine's first use of it), the plan, the steps, the instance: each
  // task's success is delivered before the next one's (docs/prepare.md, "Events").
  const succeeded = events.filter((e) => e.type === 'task' && e.status === 'succeeded');
  t.same(
    [...new Set(succeeded.map((e) => e.task_id))],
    ['resolve-image', 'plan', 'execute-0', 'execute-1', 'prepare-instance'],
  );
  t.equal(events.filter((e) => e.type === 'result').length, 1, 'one result, the last event');
  t.same(await instanceDatabases(engine), [dbOf(db.dsn)]);
  await db.release();
  await db.release(); // a no-op
  t.same(await instanceDatabases(engine), [], 'released: the database is gone');
  t.equal((await engine.get(`/v1/instances/${db.instanceId}`)).status, 404);
});

t.test('release ends sessions the caller left open on the database', async (t) => {
  const { engine, client } = await clientAndEngine(t);
  const db = await client.prepare({ psql: ['-c', 'select 1'] });
  const open = await holdClient(t, db.dsn);
  const ended = new Promise((r) => open.once('error', r));
  await db.release();
  t.equal((await engine.get(`/v1/instances/${db.instanceId}`)).status, 404);
  t.match(await ended, { message: /terminat/ });
});

t.test('mysql: positional files against cwd', async (t) => {
  const { client } = await clientAndEngine(t);
  const work = await tempDir(t);
  await writeFile(join(work, 'schema.sql'), 'create table t(x int);\ninsert into t values (5);\n');
  const db = await client.prepare({ mysql: ['schema.sql'] }, { cwd: work });
  t.match(db.dsn, /^mysql:\/\//);
  t.equal(await mysqlOutcome(db.dsn, 'select x from t'), 'ok');
  await db.release();
  t.match(await mysqlOutcome(db.dsn, 'select 1'), /Unknown database/);
});

t.test('close releases what the client holds; a kept instance stays', async (t) => {
  const { engine, client } = await clientAndEngine(t);
  const a = await client.prepare({ psql: ['-c', 'select 1'] });
  const b = await client.prepare({ psql: ['-c', 'select 1'] });
  const kept = await client.prepare({ psql: ['-c', 'select 1'] }, { keep: true, name: 'kept' });
  t.equal((await instanceDatabases(engine)).length, 3);
  const kEntry = (await engine.get(`/v1/instances/${kept.instanceId}`)).json();
  t.equal(kEntry.expires_at, undefined, 'a named kept instance is not leased');
  const aEntry = (await engine.get(`/v1/instances/${a.instanceId}`)).json();
  t.ok(aEntry.expires_at, 'a leased instance expires unless renewed');
  await client.close();
  t.same(await instanceDatabases(engine), [dbOf(kept.dsn)]);
  await a.release(); // released by close already: a no-op
  t.equal((await engine.get(`/v1/instances/${b.instanceId}`)).status, 404);
  await t.rejects(client.prepare({ psql: ['-c', 'select 1'] }), { code: 'invalid_argument' });
});

t.test('an SQL error at line 40 of seed.sql names seed.sql:40', async (t) => {
  const { client } = await clientAndEngine(t);
  const work = await tempDir(t);
  const lines = Array.from({ length: 39 }, (_, i) => `insert into t values (${i});`);
  await writeFile(join(work, 'schema.sql'), 'create table t(x int);\n');
  await writeFile(join(work, 'seed.sql'), `${lines.join('\n')}\nselect nope from t;\n`);
  const err = await client
    .prepare({ psql: ['-f', 'schema.sql', '-f', 'seed.sql'] }, { cwd: work })
    .catch((e) => e);
  t.match(err, {
    name: 'SqlrsError',
    code: 'invalid_argument',
    file: join(work, 'seed.sql'),
    line: 40,
    jobId: /^[0-9a-f]{32}$/,
    message: /seed\.sql:40: ERROR: +column "nope" does not exist/,
  });
});

t.test('abort cancels the job on the engine and rejects aborted', async (t) => {
  const { engine, client } = await clientAndEngine(t);
  const ac = new AbortController();
  const pending = client.prepare({ psql: ['-c', 'select pg_sleep(600)'] }, { signal: ac.signal });
  await whenRunning('%pg_sleep(600)%');
  ac.abort();
  const err = await pending.catch((e) => e);
  t.match(err, { code: 'aborted', jobId: /^[0-9a-f]{32}$/ });
  const job = (await engine.get(`/v1/prepare-jobs/${err.jobId}`)).json();
  t.match(job, { status: 'failed', error: { code: 'cancelled' } });
  t.same(await instanceDatabases(engine), []);
  const before = (await engine.get('/v1/prepare-jobs')).json().length;
  await t.rejects(client.prepare({ psql: ['-c', 'select 1'] }, { signal: ac.signal }), {
    code: 'aborted',
  });
  t.equal((await engine.get('/v1/prepare-jobs')).json().length, before, 'no job was sent');
});

const dbOf = (dsn: string) => new URL(dsn).pathname.slice(1);

t.test('connect starts the engine of SQLRS_STATE_STORE, the one the CLI then finds', async (t) => {
  const dir = await cliStateDir(t);
  const env = { ...process.env, SQLRS_STATE_STORE: dir };
  const client = await Sqlrs.connect({ env });
  t.teardown(() => client.close());
  const info = JSON.parse(await readFile(join(dir, 'engine.json'), 'utf8'));
  t.equal(client.endpoint, `http://${info.endpoint}`);
  const status = await runCli(['status', '--output', 'json'], { env: { SQLRS_STATE_STORE: dir } });
  t.equal(status.code, 0, status.stderr);
  t.match(JSON.parse(status.stdout), { pid: info.pid, stateDir: dir });
  const db = await client.prepare({ psql: ['-c', 'select 1'] });
  t.equal(await outcome(db.dsn), 'ok');
});

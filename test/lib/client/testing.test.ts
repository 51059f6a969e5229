import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { Sqlrs } from '../../../lib/client/index.js';
import {
  freshDatabase,
  prepareOnce,
  type TestContextLike,
  workerDatabase,
} from '../../../lib/client/testing.js';
import { catalogIdOf, instanceDatabases } from '../../helpers/catalog-id.js';
import { cliStateDir } from '../../helpers/cli.js';
import { databaseExists, query } from '../../helpers/postgres.js';
import { tempDir } from '../../helpers/tmp.js';

// One state dir for the file: the process's client is one per process, found through
// SQLRS_STATE_STORE as a user's would be (docs/client.md, "sqlrs/testing").
// No warm pool, so that every instance database on the server is one the tests made.
const stateDir = await cliStateDir(t);
await writeFile(join(stateDir, 'config.json'), JSON.stringify({ warm_pool: { per_state: 0 } }));
process.env.SQLRS_STATE_STORE = stateDir;
const work = await tempDir(t);
await writeFile(join(work, 'schema.sql'), 'create table t(x int);\ninsert into t values (1);\n');
const SPEC = { psql: ['-f', 'schema.sql'] };
const OPTS = { cwd: work };

const dbName = (dsn: string) => new URL(dsn).pathname.slice(1);

/** A test context of either shape, whose end the test triggers itself. */
function context(kind: 'after' | 'onTestFinished', signal?: AbortSignal) {
  const hooks: (() => unknown)[] = [];
  const ctx: TestContextLike = { [kind]: (fn: () => unknown) => hooks.push(fn), signal };
  return { ctx, hooks, end: async () => Promise.all(hooks.splice(0).map((fn) => fn())) };
}

for (const kind of ['after', 'onTestFinished'] as const) {
  t.test(
    `freshDatabase with ${kind}: a private database, released when the test ends`,
    async (t) => {
      const test = context(kind);
      const a = await freshDatabase(test.ctx, SPEC, OPTS);
      const b = await freshDatabase(test.ctx, SPEC, OPTS);
      t.equal(test.hooks.length, 2, 'one release per database');
      t.not(a.instanceId, b.instanceId);
      t.equal(a.stateId, b.stateId);
      await query(a.dsn, 'insert into t values (2)');
      t.same(await query(b.dsn, 'select x from t'), [{ x: 1 }], 'the other copy is untouched');
      await test.end();
      t.notOk(await databaseExists(dbName(a.dsn)));
      t.notOk(await databaseExists(dbName(b.dsn)));
    },
  );
}

t.test('freshDatabase refuses a context with no end hook, before it prepares', async (t) => {
  await t.rejects(freshDatabase({} as TestContextLike, SPEC, OPTS), {
    code: 'invalid_argument',
    message: /node:test's t, or vitest's context/,
  });
});

t.test('freshDatabase uses the client it is given, and keeps a kept instance', async (t) => {
  const client = await Sqlrs.connect();
  t.teardown(() => client.close());
  const test = context('after');
  const db = await freshDatabase(test.ctx, SPEC, { ...OPTS, client, keep: true });
  t.equal(test.hooks.length, 0, 'nothing to release at the end');
  await test.end();
  t.ok(await databaseExists(dbName(db.dsn)));
  await db.release();
  t.notOk(await databaseExists(dbName(db.dsn)));
});

t.test("the test's signal cancels a prepare still running", async (t) => {
  const abort = new AbortController();
  const test = context('after', abort.signal);
  const slow = { psql: ['-c', `select pg_sleep(30), '${Math.random()}'`] };
  const made = freshDatabase(test.ctx, slow, OPTS);
  setTimeout(() => abort.abort(), 200);
  await t.rejects(made, { code: 'aborted' });
  t.equal(test.hooks.length, 0);
});

t.test('workerDatabase: one database per spec for the worker, until released', async (t) => {
  const [a, again] = await Promise.all([workerDatabase(SPEC, OPTS), workerDatabase(SPEC, OPTS)]);
  t.equal(again.instanceId, a.instanceId, 'the same spec gives the same database');
  const other = await workerDatabase({ psql: ['-f', 'schema.sql', '-c', 'select 2'] }, OPTS);
  t.not(other.instanceId, a.instanceId);
  await a.release();
  t.notOk(await databaseExists(dbName(a.dsn)));
  const next = await workerDatabase(SPEC, OPTS);
  t.not(next.instanceId, a.instanceId, 'a released one is replaced');
  await Promise.all([next.release(), other.release()]);
});

t.test('prepareOnce builds the states and keeps no instance', async (t) => {
  const spec = { psql: ['-f', 'schema.sql', '-c', 'select 3'] };
  const client = await Sqlrs.connect();
  t.teardown(() => client.close());
  const once = await prepareOnce(spec, OPTS);
  t.same(await instanceDatabases(await catalogIdOf(stateDir)), [], 'its instance is released');
  const test = context('after');
  const db = await freshDatabase(test.ctx, spec, { ...OPTS, client });
  t.equal(db.stateId, once.stateId, 'the workers take copies of the state it built');
  await test.end();
  // A broken script fails the global setup once, with the server's message.
  await t.rejects(prepareOnce({ psql: ['-c', 'select * from missing'] }, OPTS), {
    code: 'invalid_argument',
    message: /psql failed in step 1/,
  });
});

t.test('a process that runs out of work releases what its client holds', async (t) => {
  const dir = await tempDir(t);
  const script = join(dir, 'holder.mjs');
  const testing = new URL('../../../lib/client/testing.js', import.meta.url).href;
  // A test whose end never comes: only the close at exit can release its database.
  await writeFile(
    script,
    `import { freshDatabase } from ${JSON.stringify(testing)};
const db = await freshDatabase({ after() {} }, ${JSON.stringify(SPEC)}, ${JSON.stringify(OPTS)});
console.log(db.dsn);
`,
  );
  const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  const code = await new Promise((resolve) => child.on('exit', resolve));
  t.equal(code, 0);
  t.match(out, /^postgres:\/\//);
  t.notOk(await databaseExists(dbName(out.trim())), 'released before the process ended');
});

import { spawn } from 'node:child_process';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { catalogIdOf, instanceDatabases } from '../helpers/catalog-id.js';
import { stopEngineIn } from '../helpers/cli.js';
import { npmInstall, packInto, ROOT, run, TSC, userEnv } from '../helpers/packed.js';
import { catalogDatabases, databaseExists } from '../helpers/postgres.js';
import { tempDir } from '../helpers/tmp.js';

// The package as a user gets it: `npm pack`, installed into a copy of examples/node-test, whose
// node:test suite runs against the engine it starts itself (docs/client.md, "sqlrs/testing"),
// and whose suite that reads its database from the environment runs under `sqlrs exec:psql`
// (docs/client.md, "exec"). One install serves every part.
const RUNS = 5;

const dir = await tempDir(t, 'sqlrs-sample-');
const app = join(dir, 'app');
const stateDir = join(dir, 'state');
await cp(join(ROOT, 'examples', 'node-test'), app, { recursive: true });
await mkdir(stateDir);
// Leases lapse fast: the reaper looks often, and a session left behind is ended after a second.
// No warm pool, so that every instance database on the server is one the runs made.
await writeFile(
  join(stateDir, 'config.json'),
  JSON.stringify({ reap_interval: '200ms', expiry_grace: '1s', warm_pool: { per_state: 0 } }),
);
t.teardown(() => stopEngineIn(stateDir));

t.test('the packed package installs into the example', async (t) => {
  const install = await npmInstall(app, [await packInto(dir)]);
  t.equal(install.code, 0, 'npm install', { output: install.out });
});

t.test('its three entry points load and type-check from the installed package', async (t) => {
  const load = await run(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const [a, b, c] = await Promise.all([import('sqlrs'), import('sqlrs/testing'), import('sqlrs/cloud')]);
console.log(typeof a.Sqlrs.connect, typeof b.freshDatabase, typeof c.createFetchHandler);`,
    ],
    app,
    userEnv(stateDir),
  );
  t.equal(load.out.trim(), 'function function function', load.out);
  // A user's TypeScript project: strict, NodeNext resolution (package.json "exports" and their
  // "types"), the package's declarations checked too (no skipLibCheck).
  await writeFile(join(app, 'check.ts'), CHECK_TS);
  await writeFile(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'es2022',
        module: 'nodenext',
        moduleResolution: 'nodenext',
        strict: true,
        noEmit: true,
        types: ['node'],
        typeRoots: [join(ROOT, 'node_modules', '@types')],
      },
      files: ['check.ts'],
    }),
  );
  const tsc = await run(process.execPath, [TSC, '-p', 'tsconfig.json'], app);
  t.equal(tsc.code, 0, 'tsc --noEmit', { output: tsc.out });
});

t.test(`the example's suite passes ${RUNS} times and leaves no instance behind`, async (t) => {
  const made = new Set<string>();
  for (let i = 0; i < RUNS; i++) {
    const r = await run(process.execPath, ['--test'], app, userEnv(stateDir));
    t.equal(r.code, 0, `run ${i + 1} passes`, { output: r.out });
    t.match(r.out, /^# pass 3$/m);
    t.match(r.out, /^# fail 0$/m);
    for (const m of r.out.matchAll(/database ready: ([0-9a-f]{32})/g)) made.add(m[1] as string);
  }
  t.equal(made.size, RUNS, 'each run had a database of its own');
  const catalogId = await catalogIdOf(stateDir);
  t.ok(
    (await catalogDatabases(catalogId)).some((db) => db.startsWith(`sqlrs_${catalogId}_s_`)),
    'the states stay cached',
  );
  t.same(await instanceDatabases(catalogId), []);
});

t.test(`exec:psql runs the environment suite ${RUNS} times and leaves nothing`, async (t) => {
  const sqlrs = join(app, 'node_modules', '.bin', 'sqlrs');
  const suite = ['--', 'node', '--test', 'exec/todo.js'];
  const made = new Set<string>();
  for (let i = 0; i < RUNS; i++) {
    const r = await run(
      sqlrs,
      ['exec:psql', '--', '-f', 'schema.sql', '-f', 'seed.sql', ...suite],
      app,
      userEnv(stateDir),
    );
    t.equal(r.code, 0, `run ${i + 1} passes`, { output: r.out });
    t.match(r.out, /^# pass 3$/m);
    for (const m of r.out.matchAll(/exec database: (sqlrs_\w+)/g)) made.add(m[1] as string);
  }
  t.equal(made.size, RUNS, 'each run had a database of its own');
  // Without the seed two tests fail, and node's exit code 1 is what sqlrs exits with (run
  // through npx, as a user types it).
  const failing = await run(
    'npx',
    ['--no-install', 'sqlrs', 'exec:psql', '--', '-f', 'schema.sql', ...suite],
    app,
    userEnv(stateDir),
  );
  t.equal(failing.code, 1, "the suite's exit code", { output: failing.out });
  t.match(failing.out, /^# fail 2$/m);
  t.same(await instanceDatabases(await catalogIdOf(stateDir)), [], 'no instance is left');
});

t.test('a run killed in the middle leaves instances that go when their lease lapses', async (t) => {
  // A suite that holds its database until it is killed, on a client with a 6-second lease.
  await writeFile(
    join(app, 'hold.test.js'),
    `import { test } from 'node:test';
import { Sqlrs } from 'sqlrs';
import { freshDatabase } from 'sqlrs/testing';
import { OPTIONS, SPEC } from './database.js';

const client = await Sqlrs.connect({ leaseSeconds: 6 });
test('holds its database', async (t) => {
  const db = await freshDatabase(t, SPEC, { ...OPTIONS, client });
  console.log('holding ' + db.instanceId);
  await new Promise((resolve) => setTimeout(resolve, 600_000));
});
`,
  );
  const child = spawn(process.execPath, ['--test', 'hold.test.js'], {
    cwd: app,
    env: userEnv(stateDir),
    detached: true, // its own process group: the kill takes the test file's process too
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const instanceId = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /holding ([0-9a-f]{32})/.exec(out);
      if (m) resolve(m[1] as string);
    });
    child.on('exit', () => reject(new Error(`the suite ended before it held a database: ${out}`)));
  });
  const catalogId = await catalogIdOf(stateDir);
  const name = `sqlrs_${catalogId}_i_${instanceId}`;
  t.ok(await databaseExists(name), 'the suite holds its database');
  process.kill(-(child.pid as number), 'SIGKILL');
  await exited;
  // The bound only keeps a broken run from hanging; nothing reads the time it took.
  for (let i = 0; i < 1200 && (await databaseExists(name)); i++)
    await new Promise((r) => setTimeout(r, 100));
  t.notOk(await databaseExists(name), 'the lapsed lease was reaped');
  t.same(await instanceDatabases(catalogId), []);
});

/** A TypeScript file using the package's three entry points as a user's code would. */
const CHECK_TS = `import { type Database, Sqlrs, type SqlrsError } from 'sqlrs';
import { createFetchHandler, type FetchHandler } from 'sqlrs/cloud';
import { freshDatabase, prepareOnce, workerDatabase } from 'sqlrs/testing';

export async function demo(): Promise<string> {
  const client: Sqlrs = await Sqlrs.connect({ leaseSeconds: 30 });
  const db: Database = await client.prepare({ psql: ['-f', 'schema.sql'] }, { name: 'x' });
  await db.release();
  await client.close();
  const perTest = (t: { after(fn: () => unknown): void }) => freshDatabase(t, { mysql: ['a.sql'] });
  const shared: Promise<Database> = workerDatabase({ psql: ['-c', 'select 1'] });
  const { stateId } = await prepareOnce({ psql: ['-f', 'schema.sql'] });
  return [db.dsn, stateId, typeof perTest, typeof shared].join(' ');
}
export const isBusy = (e: unknown) => (e as SqlrsError).code === 'busy';
export const handlers: (typeof createFetchHandler)[] = [createFetchHandler];
export type Handler = FetchHandler;
`;

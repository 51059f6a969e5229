import { spawn } from 'node:child_process';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { catalogIdOf, instanceDatabases } from '../helpers/catalog-id.js';
import { stopEngineIn } from '../helpers/cli.js';
import { catalogDatabases, databaseExists } from '../helpers/postgres.js';
import { tempDir } from '../helpers/tmp.js';

// The package as a user gets it: `npm pack`, installed into a copy of examples/node-test, whose
// node:test suite runs against the engine it starts itself (docs/client.md, "sqlrs/testing").
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const RUNS = 5;

interface Run {
  code: number | null;
  out: string;
}

/** A user's environment: none of the test runner's hooks (coverage, loaders) leak in. */
function userEnv(stateDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env))
    if (!/^(TAP|_TAP|NODE_OPTIONS$|NODE_V8_COVERAGE$)/.test(key)) env[key] = value;
  return { ...env, SQLRS_STATE_STORE: stateDir };
}

function run(cmd: string, args: string[], cwd: string, env = process.env): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

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
  const pack = await run(
    'npm',
    ['pack', '--ignore-scripts', '--json', '--pack-destination', dir],
    ROOT,
  );
  t.equal(pack.code, 0, 'npm pack', { output: pack.out });
  const tarball = join(dir, JSON.parse(pack.out.slice(pack.out.indexOf('[')))[0].filename);
  const install = await run(
    'npm',
    ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund'],
    app,
  );
  t.equal(install.code, 0, 'npm install', { output: install.out });
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

// exec:psql (docs/cli.md): a second run of the same suite goes here, once the CLI has the
// command: `<app>/node_modules/.bin/sqlrs exec:psql -- -f schema.sql -- node --test` in `app`
// with userEnv(stateDir), asserting what the runs above do (exit 0, `# pass 3`) and that no
// instance database is left afterwards, the one exec:psql made included.

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

import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { testEngine } from '../../helpers/engine.js';
import { tempDir } from '../../helpers/tmp.js';
import { until } from '../../helpers/until.js';

const CLIENT = fileURLToPath(new URL('../../../lib/client/index.js', import.meta.url));

// A process that prepares through the client and then ends its own way: its event loop runs
// dry ('drain'), it calls process.exit ('exit'), or it waits to be killed ('hang').
const SCRIPT = `
import { Sqlrs } from ${JSON.stringify(CLIENT)};
const [stateDir, mode] = process.argv.slice(2);
const client = await Sqlrs.connect({ stateDir, leaseSeconds: 3 });
const db = await client.prepare({ psql: ['-c', 'select 1'] });
process.stdout.write(db.instanceId + '\\n');
if (mode === 'exit') process.exit(0);
if (mode === 'hang') setInterval(() => {}, 1000);
`;

/** `wrap`: a command the child runs under (env(1) with its own environment). */
async function runChild(t: Test, stateDir: string, mode: string, wrap: string[] = []) {
  const script = join(await tempDir(t), 'child.mjs');
  await writeFile(script, SCRIPT);
  const argv = [...wrap, process.execPath, script, stateDir, mode];
  const child = spawn(argv[0] as string, argv.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const instanceId = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.endsWith('\n')) resolve(out.trim());
    });
    child.on('exit', () => reject(new Error(`child ended without an instance: ${out}`)));
  });
  return { child, exited, instanceId };
}

t.test('a process that ends normally releases its instances', async (t) => {
  const engine = await testEngine(t);
  const drained = await runChild(t, engine.stateDir, 'drain');
  t.equal(await drained.exited, 0);
  t.equal(
    (await engine.get(`/v1/instances/${drained.instanceId}`)).status,
    404,
    'deleted before it exited',
  );
  const exited = await runChild(t, engine.stateDir, 'exit');
  t.equal(await exited.exited, 0);
  await until(
    async () => (await engine.get(`/v1/instances/${exited.instanceId}`)).status === 404,
    'process.exit: the detached releaser deletes it',
  );
});

t.test('a process killed with SIGKILL leaves its instances to expire with the lease', async (t) => {
  const engine = await testEngine(t, { config: { reap_interval: '100ms' } });
  const { child, exited, instanceId } = await runChild(t, engine.stateDir, 'hang');
  child.kill('SIGKILL');
  await exited;
  const entry = (await engine.get(`/v1/instances/${instanceId}`)).json();
  t.match(entry, { instance_id: instanceId, expires_at: /Z$/ }, 'still there after the kill');
  await until(
    async () => (await engine.get(`/v1/instances/${instanceId}`)).status === 404,
    'the lease runs out and the reaper drops it',
  );
});

t.test("the detached releaser does not take on its parent's NODE_OPTIONS", async (t) => {
  const engine = await testEngine(t);
  const dir = await tempDir(t);
  const log = join(dir, 'preloaded.log');
  const preload = join(dir, 'preload.cjs');
  // Stands for a runner's or debugger's preload: notes each process it is loaded into.
  await writeFile(
    preload,
    `require('node:fs').appendFileSync(${JSON.stringify(log)}, (process.env.SQLRS_RELEASE ? 'releaser' : 'parent') + '\\n');`,
  );
  // Under env -i: tap's own instrumentation (NODE_OPTIONS and its variables) would hook the
  // child's spawn and put its NODE_OPTIONS back into the releaser.
  const wrap = ['/usr/bin/env', '-i', `NODE_OPTIONS=--require ${preload}`];
  const exited = await runChild(t, engine.stateDir, 'exit', wrap);
  t.equal(await exited.exited, 0);
  await until(
    async () => (await engine.get(`/v1/instances/${exited.instanceId}`)).status === 404,
    'process.exit: the detached releaser deletes it',
  );
  t.notMatch(await readFile(log, 'utf8'), 'releaser', 'the releaser loaded no preload');
  t.match(await readFile(log, 'utf8'), 'parent', 'the preload ran in the parent');
});

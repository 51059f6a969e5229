import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
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

async function runChild(t: Test, stateDir: string, mode: string) {
  const script = join(await tempDir(t), 'child.mjs');
  await writeFile(script, SCRIPT);
  const child = spawn(process.execPath, [script, stateDir, mode], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
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

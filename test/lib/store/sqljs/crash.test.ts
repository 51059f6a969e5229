import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { openSqljsStore } from '../../../../lib/store/sqljs/index.js';
import { tempDir } from '../../../helpers/tmp.js';

const writer = fileURLToPath(new URL('../../../helpers/catalog-writer.js', import.meta.url));
const ROUNDS = 50;

/**
 * Runs the writer and kills it with SIGKILL `delayMs` after it is ready (or, with `early`, after
 * it was spawned, to hit start-up and migration), and returns every acked id.
 */
function runAndKill(dir: string, delayMs: number, early: boolean): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [writer, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      timer ??= setTimeout(() => child.kill('SIGKILL'), delayMs);
    };
    if (early) arm();
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.startsWith('ready\n')) arm();
    });
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL')
        return reject(new Error(`writer ended by itself: ${out.slice(-500)}`));
      // Only complete lines were written by the child before it died.
      const acked = out.split('\n').filter((l) => l.startsWith('ack ') && l.length === 68);
      resolve(acked.map((l) => l.slice(4)));
    });
  });
}

t.test(`SIGKILL at random points never loses an answered write (${ROUNDS} rounds)`, async (t) => {
  const dir = await tempDir(t);
  const everAcked = new Set<string>();
  let rows = 0;
  for (let round = 0; round < ROUNDS; round++) {
    // Spread kill points over start-up, migration and steady writing.
    const early = round % 5 === 0;
    const acked = await runAndKill(dir, Math.floor(Math.random() * (early ? 400 : 250)), early);
    for (const id of acked) everAcked.add(id);
    const store = await openSqljsStore({ dir });
    const missing = [...everAcked].filter((id) => !store.getState(id));
    rows = store.listStates({}, { limit: 1_000_000 }).length;
    await store.close();
    if (missing.length > 0) t.fail(`round ${round}: ${missing.length} answered writes lost`);
  }
  t.ok(everAcked.size > 0, `writes were answered before kills (${everAcked.size} acked)`);
  t.ok(rows >= everAcked.size, `catalog holds ${rows} rows, at least every acked one`);
});

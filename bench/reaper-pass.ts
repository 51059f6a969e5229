// The cost of a reaper pass (docs/lifecycle.md) over 10,000 instances with a sliding expiry,
// none due: one catalog query finds the candidates and one query asks the server (the local
// PostgreSQL) for their sessions, however many rows. Timed against a baseline in the same run:
// one listing read of the instances table. The pass should stay within a small multiple of it.
// Run: npm run build && node dist/bench/reaper-pass.js   (SQLRS_BENCH_INSTANCES=1000 for a quick look)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { EngineConfig } from '../lib/config.js';
import { randomHex } from '../lib/id.js';
import { createKernel } from '../lib/kernel/kernel.js';
import { Reaper } from '../lib/lifecycle/reaper.js';
import { lifecycleSettings } from '../lib/lifecycle/settings.js';
import type { Logger } from '../lib/logger.js';
import { openSqljsStore } from '../lib/store/sqljs/index.js';
import type { Store } from '../lib/store/types.js';
import { trustSettings } from '../lib/trust.js';
import { median, report } from './common.js';

const N = Number(process.env.SQLRS_BENCH_INSTANCES ?? 10_000);
const REPS = Number(process.env.SQLRS_BENCH_N ?? 11);
/** A pass at most this many times one plain read of the instances table. */
const TARGET = 5;

async function seed(store: Store, now: Date): Promise<void> {
  const later = new Date(now.getTime() + 86_400_000).toISOString();
  await store.write((w) => {
    for (let i = 0; i < N; i++) {
      const id = randomHex(32);
      w.insertInstance({
        instance_id: id,
        image_id: 'postgres',
        state_id: randomHex(64),
        db_name: `sqlrs_${store.catalogId}_i_${id}`,
        dsn: `postgres://postgres@127.0.0.1:5432/sqlrs_${store.catalogId}_i_${id}`,
        created_at: now.toISOString(),
        expires_at: later,
        idle_ttl_seconds: 86_400,
        last_used_at: now.toISOString(),
      });
    }
  });
}

const silent: Logger = { info: () => undefined, error: () => undefined };
const dir = mkdtempSync(join(tmpdir(), 'sqlrs-bench-reap-'));
try {
  const store = await openSqljsStore({ dir });
  const now = new Date();
  await seed(store, now);
  const config: EngineConfig = {};
  const { kernel, close } = createKernel({
    store,
    config,
    trust: trustSettings(config, 'loopback'),
    clock: () => now,
    logger: silent,
  });
  const calls = { catalog: 0, server: 0 };
  const candidates = store.expiryCandidates.bind(store);
  (store as { expiryCandidates: Store['expiryCandidates'] }).expiryCandidates = (at, by) => {
    calls.catalog++;
    return candidates(at, by);
  };
  const server = kernel.servers({
    imageId: 'postgres',
    kind: 'postgres',
    url: 'postgres://postgres@127.0.0.1:5432/postgres',
  });
  const sessions = server.sessions.bind(server);
  server.sessions = (dbs) => {
    calls.server++;
    return sessions(dbs);
  };
  const deleter = {
    deleteInstance: () => Promise.reject(new Error('nothing is due in this bench')),
  };
  const reaper = new Reaper(kernel, deleter, lifecycleSettings(config));
  const base: number[] = [];
  const measured: number[] = [];
  for (let r = 0; r < REPS; r++) {
    let t0 = performance.now();
    const rows = store.listInstances({}, { limit: N }).length;
    base.push(performance.now() - t0);
    if (rows !== N) throw new Error(`listed ${rows} of ${N} instances`);
    const before = { ...calls };
    t0 = performance.now();
    const done = await reaper.pass();
    measured.push(performance.now() - t0);
    if (calls.catalog - before.catalog !== 1 || calls.server - before.server !== 1)
      throw new Error('a pass made more than one catalog query or one server query');
    if (done.failed.length > 0 || done.dropped.length > 0)
      throw new Error('a pass dropped or failed');
  }
  console.log(`reaper pass over ${N} instances: one catalog query and one server query per pass`);
  report(`reaper pass (${N} instances)`, median(base), median(measured), TARGET);
  await reaper.close();
  await close();
  await store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}

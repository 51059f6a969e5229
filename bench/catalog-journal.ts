// The catalog's durability cost as the catalog grows: 1,000, 10,000 and 100,000 states (and as
// many instances). For each size, single changes through the store (write latency, bytes
// written per change, the longest main-thread stall), the same with a checkpoint thread busy
// all along, and start-up (after a clean stop, and with a journal to replay). The baseline,
// measured in the same run: what a change cost when every flush exported the whole catalog
// and wrote it to a file (export, write, fsync), as the catalog's durability once was.
// Run: npm run build && node dist/bench/catalog-journal.js   (SQLRS_BENCH_N: changes per size)
import { copyFile, mkdtemp, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import initSqlJs from 'sql.js';
import { newCatalogId, randomHex } from '../lib/id.js';
import { openSqljsStore, STATE_DB } from '../lib/store/sqljs/index.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../lib/store/sqljs/migrations.js';
import { sqljsWriter } from '../lib/store/sqljs/writer.js';
import type { Store } from '../lib/store/types.js';
import { median } from './common.js';

const SIZES = [1_000, 10_000, 100_000];
const CHANGES = Number(process.env.SQLRS_BENCH_N ?? 200);

const hex = (n: number) => randomHex(n);
const at = () => new Date().toISOString();

function stateRow(id: string) {
  return {
    state_id: id,
    parent_state_id: null,
    image_id: 'postgres:15',
    resolved_image_id: 'postgres@15/1',
    prepare_kind: 'psql' as const,
    prepare_args_normalized: '-X -v ON_ERROR_STOP=1 -f /src/schema.sql',
    db_name: `sqlrs_00000000_s_${id.slice(0, 40)}`,
    created_at: at(),
    size_bytes: 7_000_000,
    last_used_at: null,
  };
}

function instanceRow(id: string, stateId: string) {
  return {
    instance_id: id,
    image_id: 'postgres:15',
    state_id: stateId,
    db_name: `sqlrs_00000000_i_${id}`,
    dsn: `postgres://u:${hex(16)}@127.0.0.1:5432/sqlrs_00000000_i_${id}`,
    created_at: at(),
    expires_at: null,
  };
}

/** A catalog of `n` states and `n` instances, written as state.db directly (fast to make). */
async function fill(dir: string, n: number): Promise<string[]> {
  const db = new (await initSqlJs()).Database();
  for (const m of MIGRATIONS) db.exec(m);
  db.run("INSERT INTO meta VALUES ('catalog_id', ?), ('schema_version', ?), ('lock_secret', ?)", [
    newCatalogId(),
    String(SCHEMA_VERSION),
    hex(32),
  ]);
  const w = sqljsWriter(db);
  const ids: string[] = [];
  db.exec('BEGIN');
  for (let i = 0; i < n; i++) {
    const id = hex(32);
    ids.push(id);
    w.insertState(stateRow(id));
    w.insertInstance(instanceRow(hex(16), id));
  }
  db.exec('COMMIT');
  await writeFile(join(dir, STATE_DB), db.export());
  db.close();
  return ids;
}

/** Bytes this process handed to write(2) so far, worker threads included. */
async function written(): Promise<number> {
  const io = await readFile('/proc/self/io', 'utf8');
  return Number(/wchar: (\d+)/.exec(io)?.[1]);
}

/** The longest gap between 1 ms ticks while it runs: how long the event loop was held up. */
function stallProbe() {
  const lag = monitorEventLoopDelay({ resolution: 1 });
  let longest = 0;
  let last = performance.now();
  const probe = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 1);
  lag.enable();
  return () => {
    clearInterval(probe);
    lag.disable();
    return Math.max(longest, lag.max / 1e6);
  };
}

/** The same probe with nothing to do: what a busy machine alone costs the event loop. */
async function idleStall(ms: number): Promise<number> {
  const stop = stallProbe();
  await new Promise((r) => setTimeout(r, ms));
  return stop();
}

/** Single changes, one at a time: latencies, bytes written, and the longest event-loop stall. */
async function changes(store: Store, ids: string[]) {
  const stop = stallProbe();
  const bytes0 = await written();
  const ms: number[] = [];
  for (let i = 0; i < CHANGES; i++) {
    const id = ids[Math.floor(Math.random() * ids.length)] as string;
    const t0 = performance.now();
    if (i % 2) await store.write((w) => w.touchState(id, at()));
    else await store.write((w) => w.insertInstance(instanceRow(hex(16), id)));
    ms.push(performance.now() - t0);
  }
  const bytes = (await written()) - bytes0;
  const stall = stop();
  return {
    median: median(ms),
    p99: [...ms].sort((a, b) => a - b)[Math.floor(ms.length * 0.99)] as number,
    bytesPerChange: bytes / CHANGES,
    stall,
  };
}

/** The old flush: the whole catalog exported, written to a file and fsynced. */
async function wholeFlush(dir: string) {
  const db = new (await initSqlJs()).Database(await readFile(join(dir, STATE_DB)));
  const ms: number[] = [];
  let stall = 0;
  let size = 0;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const bytes = db.export();
    stall = Math.max(stall, performance.now() - t0);
    const file = await open(join(dir, 'whole.tmp'), 'w');
    await file.writeFile(bytes);
    await file.sync();
    await file.close();
    ms.push(performance.now() - t0);
    size = bytes.length;
  }
  db.close();
  await rm(join(dir, 'whole.tmp'));
  return { median: median(ms), stall, bytes: size };
}

async function timedOpen(dir: string, opts = {}) {
  const t0 = performance.now();
  const store = await openSqljsStore({ dir, ...opts });
  return { store, ms: performance.now() - t0 };
}

async function copyCatalogFiles(from: string, to: string) {
  for (const name of await readdir(from))
    if (name.startsWith(STATE_DB)) await copyFile(join(from, name), join(to, name));
}

const f = (x: number) => x.toFixed(1);

for (const n of SIZES) {
  const dir = await mkdtemp(join(tmpdir(), 'sqlrs-bench-journal-'));
  const ids = await fill(dir, n);
  const whole = await wholeFlush(dir);
  const clean = await timedOpen(dir);
  const steady = await changes(clean.store, ids);
  // A crash now leaves CHANGES records to replay.
  const crashed = await mkdtemp(join(tmpdir(), 'sqlrs-bench-journal-'));
  await copyCatalogFiles(dir, crashed);
  await clean.store.close();
  const replay = await timedOpen(crashed);
  await replay.store.close();
  // Checkpoints back to back: every flush finds the journal past a 1-byte threshold.
  const busy = await timedOpen(dir, { checkpointBytes: 1 });
  const ino = (await stat(join(dir, STATE_DB))).ino;
  const checkpointing = await changes(busy.store, ids);
  const replaced = (await stat(join(dir, STATE_DB))).ino !== ino;
  await busy.store.close();
  const size = (await stat(join(dir, STATE_DB))).size;
  const idle = await idleStall(1000);
  console.log(
    `${n} states + ${n} instances (state.db ${f(size / 1e6)} MB):\n` +
      `  whole-catalog flush (baseline): ${f(whole.median)} ms, ${f(whole.bytes / 1e6)} MB written, export stalls ${f(whole.stall)} ms\n` +
      `  journal: write ${steady.median.toFixed(2)} ms median, ${steady.p99.toFixed(2)} p99 (ratio ${(steady.median / whole.median).toFixed(3)}x), ` +
      `${Math.round(steady.bytesPerChange)} bytes written per change, longest stall ${f(steady.stall)} ms\n` +
      `  with checkpoints running all along${replaced ? '' : ' (none landed)'}: write ${checkpointing.median.toFixed(2)} ms median, ${checkpointing.p99.toFixed(2)} p99, ` +
      `longest stall ${f(checkpointing.stall)} ms, ${Math.round(checkpointing.bytesPerChange)} bytes per change (checkpoints included)\n` +
      `  start-up: ${f(clean.ms)} ms after a clean stop, ${f(replay.ms)} ms replaying ${CHANGES} records\n` +
      `  longest stall of an idle event loop for 1 s on this machine: ${f(idle)} ms`,
  );
  await rm(dir, { recursive: true, force: true });
  await rm(crashed, { recursive: true, force: true });
}

// GET /v1/states with 10,000 states, JSON and NDJSON, against a bare node:http server sending
// the same bytes, in the same run (with the render cache, with it after each write of a
// prepare, and without); and the engine's heap while streaming 10,000 vs 40,000 rows as NDJSON.
// Run: npm run build && node dist/bench/states-list.js
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { request } from 'undici';
import type { StoreWriter } from '../lib/store/types.js';
import { createEngineCore } from '../runtime/compose/engine-core.js';
import { createHttpServer } from '../runtime/edge/http-server.js';
import { median, ratioText } from './common.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const N = 10_000;
const REPS = Number(process.env.SQLRS_BENCH_N ?? 31);
/** Our throughput at least this fraction of the bare server's. */
const TARGET = 0.8;

function stateRow(id: string, image: string) {
  return {
    state_id: id,
    parent_state_id: null,
    image_id: image,
    resolved_image_id: 'postgres@15/1',
    prepare_kind: 'psql' as const,
    prepare_args_normalized: '-X -v ON_ERROR_STOP=1 -f /src/schema.sql',
    db_name: `sqlrs_00000000_s_${id.slice(0, 40)}`,
    created_at: new Date().toISOString(),
    size_bytes: 7_000_000,
    last_used_at: null,
  };
}

async function listen(server: ReturnType<typeof createServer>): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function time(
  url: string,
  headers: Record<string, string>,
): Promise<{ ms: number; bytes: number }> {
  const t0 = performance.now();
  const res = await request(url, { headers });
  let bytes = 0;
  for await (const c of res.body) bytes += c.length;
  return { ms: performance.now() - t0, bytes };
}

/** Live memory (heap and buffers, after a full GC) of the engine and the client. */
function live(): number {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Peak growth of live memory while a listing streams, sampled at every chunk the client reads. */
async function peakMemory(url: string, headers: Record<string, string>): Promise<number> {
  const base = live();
  let peak = 0;
  const res = await request(url, { headers });
  for await (const _ of res.body) peak = Math.max(peak, live() - base);
  return peak;
}

async function engineWith(config: Record<string, unknown>, rows: (w: StoreWriter) => void) {
  const core = await createEngineCore({
    stateDir: mkdtempSync(join(tmpdir(), 'sqlrs-bench-list-')),
    authToken: 't',
    config,
  });
  await core.store.write(rows);
  const server = createHttpServer(core.dispatch);
  return { core, server, base: await listen(server) };
}

async function main() {
  // N states of the image listed, and 3N of another: N rows for throughput, N vs 4N for memory.
  const rows = (w: StoreWriter) => {
    for (let i = 0; i < 4 * N; i++)
      w.insertState(stateRow(randomBytes(32).toString('hex'), i < N ? 'postgres' : 'other'));
  };
  const cached = await engineWith({}, rows);
  const plain = await engineWith({ list_cache_bytes: 0 }, rows);
  const auth = { authorization: 'Bearer t' };
  const path = '/v1/states?image=postgres';
  // The same bytes, pre-rendered, from a bare server: what the network and HTTP cost alone.
  const bodies: Record<string, Buffer> = {};
  for (const accept of ['application/json', 'application/x-ndjson']) {
    const res = await request(`${plain.base}${path}`, { headers: { ...auth, accept } });
    bodies[accept] = Buffer.from(await res.body.arrayBuffer());
  }
  const bare = createServer((req, res) => {
    const accept = String(req.headers.accept);
    res.writeHead(200, { 'content-type': accept }).end(bodies[accept]);
  });
  const bareUrl = await listen(bare);
  // What a prepare does to the listing: its state's last use, and one more instance of it.
  const listed = cached.core.store.listStates({ image: 'postgres' }, { limit: N });
  const prepared = async (e: typeof cached, i: number) => {
    const state = listed[(i * 7919) % listed.length]?.state_id as string;
    await e.core.store.write((w) => {
      w.touchState(state, new Date().toISOString());
      w.insertInstance({
        instance_id: randomBytes(16).toString('hex'),
        image_id: 'postgres',
        state_id: state,
        db_name: `bench_i_${i}`,
        dsn: 'postgres://x',
        created_at: new Date().toISOString(),
        expires_at: null,
      });
    });
  };
  for (const [label, e, before] of [
    ['render cache', cached, undefined],
    ["render cache, each after a prepare's write", cached, prepared],
    ['no cache: the first listing, or list_cache_bytes 0', plain, undefined],
  ] as const) {
    for (const accept of ['application/json', 'application/x-ndjson']) {
      const ours: number[] = [];
      const theirs: number[] = [];
      for (let i = 0; i < REPS; i++) {
        // After a write (a 12 MB export and two fsyncs with 40,000 states), whichever request
        // comes first is slower, ours or the bare server's: both are measured after one.
        await before?.(e, 2 * i);
        ours.push((await time(`${e.base}${path}`, { ...auth, accept })).ms);
        await before?.(e, 2 * i + 1);
        theirs.push((await time(bareUrl, { accept })).ms);
      }
      // Throughput ratio: bare time / our time.
      const ratio = median(theirs) / median(ours);
      console.log(
        `GET /v1/states ${N} rows as ${accept} (${label}): ${bodies[accept]?.length} bytes, ours ${median(ours).toFixed(1)} ms, bare ${median(theirs).toFixed(1)} ms, throughput ratio ${ratioText(ratio, TARGET)}x (target >= ${TARGET}x: ${ratio >= TARGET ? 'meets' : 'MISSES'})`,
      );
    }
  }
  // Memory while streaming NDJSON: N rows against 4N. Rendering without the cache must not grow
  // with the rows beyond one page; with it, the N-row listing is kept (patched after the
  // write) and the 4N-row one is rendered and kept, growing by the kept rows and encodings,
  // within list_cache_bytes.
  const nd = { ...auth, accept: 'application/x-ndjson' };
  for (const [label, e] of [
    ['no cache', plain],
    ['render cache: the larger listing rendered and kept', cached],
  ] as const) {
    const peaks: number[] = [];
    for (const listing of [path, '/v1/states']) {
      await e.core.store.write((w) => w.touchState('0'.repeat(64), new Date().toISOString()));
      peaks.push(await peakMemory(`${e.base}${listing}`, nd));
    }
    const [one, four] = peaks.map((b) => b / 1024 / 1024) as [number, number];
    console.log(
      `NDJSON peak memory growth while streaming (${label}): ${N} rows ${one.toFixed(1)} MiB, ${4 * N} rows ${four.toFixed(1)} MiB`,
    );
  }
  for (const e of [cached, plain]) {
    e.server.close();
    await e.core.close();
  }
  bare.close();
}

await main();

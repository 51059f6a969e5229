// GET /v1/states with 10,000 states, JSON and NDJSON, against a bare node:http server sending
// the same bytes, in the same run; and the engine's heap while streaming 10,000 vs 40,000 rows.
// Run: npm run build && node --expose-gc dist/bench/states-list.js
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { request } from 'undici';
import { createEngineCore } from '../runtime/engine-core.js';
import { createHttpServer } from '../runtime/http-server.js';
import { median } from './common.js';

const N = 10_000;
const REPS = 15;

function stateRow(id: string) {
  return {
    state_id: id,
    parent_state_id: null,
    image_id: 'postgres',
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

async function main() {
  const core = await createEngineCore({
    stateDir: mkdtempSync(join(tmpdir(), 'sqlrs-bench-list-')),
    authToken: 't',
  });
  await core.store.write((w) => {
    for (let i = 0; i < 4 * N; i++) w.insertState(stateRow(randomBytes(32).toString('hex')));
  });
  const engine = createHttpServer(core.dispatch);
  const base = await listen(engine);
  const auth = { authorization: 'Bearer t' };
  // The same bytes, pre-rendered, from a bare server: what the network and HTTP cost alone.
  const bodies: Record<string, Buffer> = {};
  for (const accept of ['application/json', 'application/x-ndjson']) {
    const res = await request(`${base}/v1/states?image=postgres`, { headers: { ...auth, accept } });
    bodies[accept] = Buffer.from(await res.body.arrayBuffer());
  }
  // Only the first N rows: list a quarter of the catalog by id prefix ranges is awkward; use the
  // whole 4N listing for throughput, and 1N vs 4N for memory.
  const bare = createServer((req, res) => {
    const accept = String(req.headers.accept);
    res.writeHead(200, { 'content-type': accept }).end(bodies[accept]);
  });
  const bareUrl = await listen(bare);
  for (const accept of ['application/json', 'application/x-ndjson']) {
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let i = 0; i < REPS; i++) {
      ours.push((await time(`${base}/v1/states?image=postgres`, { ...auth, accept })).ms);
      theirs.push((await time(bareUrl, { accept })).ms);
    }
    // Throughput ratio: bare time / our time; the target is ours at least 0.8x the bare rate.
    const oursMs = median(ours);
    const bareMs = median(theirs);
    console.log(
      `GET /v1/states ${4 * N} rows as ${accept}: ${bodies[accept]?.length} bytes, ours ${oursMs.toFixed(1)} ms, bare ${bareMs.toFixed(1)} ms, throughput ratio ${(bareMs / oursMs).toFixed(2)}x (target >= 0.8x: ${bareMs / oursMs >= 0.8 ? 'meets' : 'MISSES'})`,
    );
  }
  engine.close();
  bare.close();
  await core.close();
}

await main();

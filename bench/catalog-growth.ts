// What grows with the catalog: an engine whose catalog holds 1,000, 10,000 and 100,000 states
// and as many instances (filled through the store, bench/catalog-growth-fill.ts), measured in
// one run: start-up, a cold one-step prepare, a warm-pool cache hit through the API, the state
// and instance listings (JSON and NDJSON), the longest wait of a /v1/health probe while a
// listing streams (the engine's main thread stalling), and peak RSS. Baselines in the same run:
// a raw CREATE DATABASE ... TEMPLATE on a held connection, and a bare node:http server sending
// the same listing bytes. The engine's own event loop is measured too (bench/loop-delay-probe.ts
// loaded into its process): its longest delay during each listing is the stall itself.
// Run: npm run build && node dist/bench/catalog-growth.js   (SQLRS_BENCH_SIZES=1000,10000 for a quick look)
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import pg from 'pg';
import { request } from 'undici';
import { fillCatalog } from './catalog-growth-fill.js';
import {
  BENCH_PG,
  type BenchEngine,
  dropAll,
  instanceDbOf,
  interleavedHits,
  median,
  prepareViaApi,
  ratioText,
  sleep,
  startEngine,
  stateDbOf,
  timedHit,
} from './common.js';

const SIZES = (process.env.SQLRS_BENCH_SIZES ?? '1000,10000,100000').split(',').map(Number);
const HITS = Number(process.env.SQLRS_BENCH_N ?? 15);
const WARMUP = 5;
const COLD = 3;
const LIST_REPS = 5;
const PAUSE_MS = 300;
const LISTINGS = ['/v1/states', '/v1/instances'];
const FORMATS = ['application/json', 'application/x-ndjson'];

interface Figures {
  rows: number;
  startMs: number;
  coldMs: number;
  hitMs: number;
  rawMs: number;
  /**
   * By listing and format: the first listing's time (the first of the engine's life for the
   * first one, rendered from the catalog), then our median, the bare server's, bytes.
   */
  lists: Array<{
    what: string;
    first: number;
    ours: number;
    bare: number;
    bytes: number;
    /** The engine's longest event-loop delay during the listings after the first. */
    loopMs: number;
  }>;
  /** The longest /v1/health round trip while listings streamed, and the median. */
  stallMs: number;
  healthP50: number;
  /** The engine's longest event-loop delay during any listing after the first. */
  loopMs: number;
  rssMiB: number;
}

/** The engine process's peak resident memory (Linux: VmHWM), in MiB. */
function peakRss(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

/**
 * A /v1/health prober on a thread of its own (its own event loop, so the bench's reading of
 * the listing does not delay it): one request at a time until stopped; its round trips.
 */
function healthProber(endpoint: string) {
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     const http = require('node:http');
     const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
     const times = []; let stop = false;
     parentPort.on('message', () => { stop = true; });
     const once = () => new Promise((resolve, reject) => {
       const t0 = performance.now();
       http.get('http://' + workerData + '/v1/health', { agent }, (res) => {
         res.resume(); res.on('end', () => resolve(performance.now() - t0));
       }).on('error', reject);
     });
     (async () => {
       // A kept-alive socket the server closed just then is reset: that request is asked again.
       while (!stop) {
         await once().then((ms) => times.push(ms), () => undefined);
         await new Promise((r) => setTimeout(r, 2));
       }
       agent.destroy(); parentPort.postMessage(times);
     })();`,
    { eval: true, workerData: endpoint },
  );
  return {
    stop: () =>
      new Promise<number[]>((resolve) => {
        worker.once('message', (times: number[]) => {
          void worker.terminate();
          resolve(times);
        });
        worker.postMessage('stop');
      }),
  };
}

const PROBE = fileURLToPath(new URL('./loop-delay-probe.js', import.meta.url));

/** Asks the engine's probe for its figures since the last ask, and waits for them. */
async function loopDelay(e: BenchEngine, file: string, last: { seq: number }) {
  process.kill(e.pid, 'SIGUSR2');
  for (let i = 0; i < 2000; i++) {
    const got = await readFile(file, 'utf8')
      .then((text) => JSON.parse(text))
      .catch(() => undefined);
    if (got && got.seq > last.seq) {
      last.seq = got.seq;
      return got as { maxMs: number; p99Ms: number };
    }
    await sleep(2);
  }
  throw new Error("the engine's loop-delay probe did not answer");
}

async function timedGet(url: string, headers: Record<string, string>) {
  const t0 = performance.now();
  const res = await request(url, { headers });
  const chunks: Buffer[] = [];
  for await (const c of res.body) chunks.push(c as Buffer);
  return { ms: performance.now() - t0, body: Buffer.concat(chunks) };
}

/** Each listing in each format against a bare server sending its bytes; health probed throughout. */
async function listings(e: BenchEngine, loopFile: string) {
  const auth = { authorization: `Bearer ${e.token}` };
  const lists: Figures['lists'] = [];
  const latencies: number[] = [];
  const probe = { seq: 0 };
  for (const path of LISTINGS) {
    for (const accept of FORMATS) {
      const url = `http://${e.endpoint}${path}`;
      const { body, ms: first } = await timedGet(url, { ...auth, accept }); // reported apart
      const bare = createServer((_req, res) => {
        res.writeHead(200, { 'content-type': accept }).end(body);
      });
      await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
      const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}/`;
      const ours: number[] = [];
      const theirs: number[] = [];
      let loopMs = 0;
      for (let i = 0; i < LIST_REPS; i++) {
        const prober = healthProber(e.endpoint);
        await sleep(20);
        await loopDelay(e, loopFile, probe); // from here
        ours.push((await timedGet(url, { ...auth, accept })).ms);
        loopMs = Math.max(loopMs, (await loopDelay(e, loopFile, probe)).maxMs);
        latencies.push(...(await prober.stop()));
        theirs.push((await timedGet(bareUrl, { accept })).ms);
      }
      bare.close();
      lists.push({
        what: `${path} ${accept === FORMATS[0] ? 'json' : 'ndjson'}`,
        first,
        ours: median(ours),
        bare: median(theirs),
        bytes: body.length,
        loopMs,
      });
    }
  }
  const loopMs = Math.max(...lists.map((l) => l.loopMs));
  return { lists, stallMs: Math.max(...latencies), healthP50: median(latencies), loopMs };
}

/** Cold one-step prepares, each a script never seen (a state of its own), timed. */
async function coldPrepares(e: BenchEngine, made: string[]): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < COLD; i++) {
    await sleep(PAUSE_MS);
    const t0 = performance.now();
    const result = await prepareViaApi(e, {
      prepare_kind: 'psql',
      psql_args: ['-c', `create table cold_${process.pid}_${Date.now()}_${i}(id int primary key)`],
    });
    times.push(performance.now() - t0);
    made.push(instanceDbOf(result), stateDbOf(result));
  }
  return median(times);
}

/** Warm-pool hits interleaved with raw clones of the same state (prepare-hit.js's method). */
async function hits(e: BenchEngine, made: string[]) {
  const raw = new pg.Client({ connectionString: BENCH_PG });
  await raw.connect();
  try {
    const first = (await timedHit(e, made)).result;
    made.push(stateDbOf(first));
    return await interleavedHits(e, raw, stateDbOf(first), made, {
      n: HITS,
      warmup: WARMUP,
      pauseMs: PAUSE_MS,
    });
  } finally {
    await raw.end();
  }
}

async function measure(rows: number, made: string[]): Promise<Figures> {
  const dir = await mkdtemp(join(tmpdir(), 'sqlrs-bench-growth-'));
  await fillCatalog(dir, rows);
  const t0 = performance.now();
  const loopFile = join(dir, 'loop-delay.json');
  const e = await startEngine({}, undefined, dir, {
    args: ['--import', PROBE],
    env: { SQLRS_BENCH_LOOP_FILE: loopFile },
  });
  const startMs = performance.now() - t0;
  try {
    const coldMs = await coldPrepares(e, made);
    const { hitMs, rawMs } = await hits(e, made);
    const { lists, stallMs, healthP50, loopMs } = await listings(e, loopFile);
    return {
      rows,
      startMs,
      coldMs,
      hitMs,
      rawMs,
      lists,
      stallMs,
      healthP50,
      loopMs,
      rssMiB: peakRss(e.pid),
    };
  } finally {
    await e.stop();
  }
}

const verdict = (ok: boolean) => (ok ? 'meets' : 'MISSES');

function print(all: Figures[]) {
  for (const f of all) {
    console.log(`${f.rows} states + ${f.rows} instances:`);
    console.log(
      `  start-up ${f.startMs.toFixed(0)} ms, cold one-step prepare ${f.coldMs.toFixed(1)} ms, peak RSS ${f.rssMiB.toFixed(0)} MiB`,
    );
    console.log(
      `  warm-pool hit ${f.hitMs.toFixed(2)} ms, raw clone ${f.rawMs.toFixed(2)} ms, ratio ${ratioText(f.hitMs / f.rawMs, 0.3)}x`,
    );
    for (const l of f.lists)
      console.log(
        `  GET ${l.what}: ${(l.bytes / 1024 / 1024).toFixed(1)} MiB, first ${l.first.toFixed(1)} ms, then ours ${l.ours.toFixed(1)} ms, bare ${l.bare.toFixed(1)} ms, throughput ratio ${ratioText(l.bare / l.ours, 0.5)}x, engine loop delay max ${l.loopMs.toFixed(1)} ms`,
      );
    console.log(
      `  /v1/health while listing: median ${f.healthP50.toFixed(2)} ms, longest ${f.stallMs.toFixed(1)} ms; engine event loop's longest delay ${f.loopMs.toFixed(1)} ms`,
    );
  }
  const small = all[0] as Figures;
  const big = all[all.length - 1] as Figures;
  const growth = big.hitMs / small.hitMs;
  const clone = big.hitMs / big.rawMs;
  console.log(`targets at ${big.rows} rows:`);
  console.log(
    `  hit vs ${small.rows} rows: ${ratioText(growth, 1.2)}x (target <= 1.2x: ${verdict(growth <= 1.2)})`,
  );
  console.log(
    `  hit vs raw clone: ${ratioText(clone, 0.3)}x (target <= 0.3x: ${verdict(clone <= 0.3)})`,
  );
  for (const l of big.lists) {
    const r = l.bare / l.ours;
    console.log(
      `  GET ${l.what} vs bare server: ${ratioText(r, 0.5)}x (target >= 0.5x: ${verdict(r >= 0.5)})`,
    );
  }
  console.log(
    `  longest stall: ${big.stallMs.toFixed(1)} ms (target <= 10 ms: ${verdict(big.stallMs <= 10)})`,
  );
  console.log(
    `  engine event loop's longest delay: ${big.loopMs.toFixed(1)} ms (target <= 10 ms: ${verdict(big.loopMs <= 10)})`,
  );
}

async function main() {
  const admin = new pg.Client({ connectionString: BENCH_PG });
  await admin.connect();
  const made: string[] = [];
  try {
    const all: Figures[] = [];
    for (const rows of SIZES) all.push(await measure(rows, made));
    print(all);
  } finally {
    await dropAll(admin, made);
    await admin.end();
  }
}

await main();

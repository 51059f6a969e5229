// How fast the psql scan (lib/psql/scan/expand.ts: includes, the guard, the bytes to hash) reads
// a script, in MB/s, for COPY data (pg_dump's plain output) and for SQL text (INSERT statements,
// as `pg_dump --inserts` writes them); and SHA-256 of the same bytes, for what hashing costs.
// Target: >= 100 MB/s for each (docs/performance.md).
// Run: npm run build && node dist/bench/scan-speed.js
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { expandSql } from '../lib/psql/scan/expand.js';
import { median } from './common.js';
import { insertsScript, writeDumpScript } from './real-dumps/pg-dump-script.js';

const MB = 2 ** 20;
const RUNS = Number(process.env.SQLRS_BENCH_N ?? 5);
const TARGET = 100;

function measure(name: string, bytes: Buffer) {
  const text = bytes.toString('latin1');
  const origin = { label: name, dir: tmpdir() };
  const scans: number[] = [];
  const hashes: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const { chunks } = expandSql(text, origin, tmpdir(), [], { bytes });
    const t1 = performance.now();
    const hash = createHash('sha256');
    for (const c of chunks) hash.update(c);
    hash.digest('hex');
    scans.push(performance.now() - t0);
    hashes.push(performance.now() - t1);
  }
  const rate = (ms: number) => bytes.length / MB / (ms / 1000);
  const scan = rate(median(scans));
  console.log(
    `${name}: ${(bytes.length / MB).toFixed(1)} MB, scan ${scan.toFixed(0)} MB/s (target >= ${TARGET}: ${scan >= TARGET ? 'meets' : 'MISSES'}), of which SHA-256 ${rate(median(hashes)).toFixed(0)} MB/s`,
  );
}

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'sqlrs-scan-speed-'));
  try {
    for (const size of [5, 50]) {
      const dump = await writeDumpScript(join(dir, `copy-${size}.sql`), [size * MB]);
      measure(`COPY data, ${size} MB block`, await readFile(dump.path));
    }
    // Blocks after the first `\.` line are read every way psql could have been in COPY
    // (docs/prepare.md): a dump of more than one table.
    const two = await writeDumpScript(join(dir, 'copy-5-50.sql'), [5 * MB, 50 * MB]);
    measure('COPY data, 5 MB and 50 MB blocks', await readFile(two.path));
    measure('SQL text (INSERT statements)', Buffer.from(insertsScript(5 * MB), 'utf8'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();

// Where FILE_COPY starts beating WAL_LOG: for states of growing size, the median time of
// CREATE DATABASE ... TEMPLATE ... STRATEGY WAL_LOG and of STRATEGY FILE_COPY, measured in the
// same run on the same server, and the size at which FILE_COPY first wins (the crossover that
// `clone_strategy: "auto"` uses; docs/performance.md). Each FILE_COPY clone pays a checkpoint,
// so a few writes are made before each clone, as a busy test suite would.
// Run: npm run build && node dist/bench/clone-strategy.js [MiB ...]
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { BENCH_PG, median } from './common.js';

const sizes = process.argv.slice(2).map(Number).filter(Boolean);
const MIB = sizes.length > 0 ? sizes : [1, 16, 64, 256];
const REPEATS = Number(process.env.SQLRS_BENCH_N ?? 3);

async function main() {
  const admin = new pg.Client({ connectionString: BENCH_PG });
  await admin.connect();
  const made: string[] = [];
  const tag = `bench_cs_${process.pid}`;
  console.log('state size   WAL_LOG (ms)  FILE_COPY (ms)  FILE_COPY/WAL_LOG');
  let crossover: number | undefined;
  try {
    for (const mib of MIB) {
      const src = `${tag}_${mib}`;
      made.push(src);
      await admin.query(`CREATE DATABASE "${src}"`);
      const u = new URL(BENCH_PG);
      u.pathname = `/${src}`;
      const c = new pg.Client({ connectionString: u.toString() });
      await c.connect();
      // ~110 bytes per row on disk with its index: rows for the wanted size.
      const rows = Math.round((mib * 1024 * 1024) / 110);
      await c.query(
        `CREATE TABLE t AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, ${rows}) g`,
      );
      await c.query('CREATE INDEX ON t(id)');
      await c.end();
      const { rows: size } = await admin.query('SELECT pg_database_size($1) AS b', [src]);
      const bytes = Number(size[0]?.b);
      const times: Record<string, number[]> = { WAL_LOG: [], FILE_COPY: [] };
      for (let r = 0; r < REPEATS; r++) {
        for (const strategy of ['WAL_LOG', 'FILE_COPY']) {
          await admin.query('CREATE TEMP TABLE IF NOT EXISTS dirt(x int)');
          await admin.query('INSERT INTO dirt SELECT generate_series(1, 1000)');
          const dst = `${src}_${strategy.toLowerCase()}_${r}`;
          made.push(dst);
          const t0 = performance.now();
          await admin.query(`CREATE DATABASE "${dst}" TEMPLATE "${src}" STRATEGY ${strategy}`);
          times[strategy]?.push(performance.now() - t0);
          await admin.query(`DROP DATABASE "${dst}"`);
        }
      }
      const wal = median(times.WAL_LOG as number[]);
      const copy = median(times.FILE_COPY as number[]);
      if (crossover === undefined && copy < wal) crossover = bytes;
      console.log(
        `${(bytes / 1024 / 1024).toFixed(1).padStart(7)} MiB  ${wal.toFixed(1).padStart(12)}  ${copy
          .toFixed(1)
          .padStart(14)}  ${(copy / wal).toFixed(2).padStart(17)}x`,
      );
      await admin.query(`DROP DATABASE "${src}"`);
    }
    console.log(
      crossover === undefined
        ? 'crossover: FILE_COPY never won in this range'
        : `crossover: FILE_COPY wins from about ${(crossover / 1024 / 1024).toFixed(0)} MiB`,
    );
  } finally {
    for (const db of made) await admin.query(`DROP DATABASE IF EXISTS "${db}"`).catch(() => 0);
    await admin.end();
  }
}

await main();

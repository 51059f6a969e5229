// `sqlrs prepare:psql` cache hit from the shell, Node start-up included, against
// `psql -c "create database ... template ..."` in the same run. A pause before each
// measurement keeps the engine's warm-pool refill (after each hit) out of both figures.
// Run: npm run build && node dist/bench/cli-hit.js
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { pidAlive } from '../lib/engine-files/pid-alive.js';
import { BENCH_PG, dropAll, median, report, sleep } from './common.js';

const N = Number(process.env.SQLRS_BENCH_N ?? 10);
const PAUSE_MS = 300;
const CLI = fileURLToPath(new URL('../../bin/sqlrs.js', import.meta.url));

async function main() {
  const stateDir = mkdtempSync(join(tmpdir(), 'sqlrs-bench-cli-'));
  const sqlrs = () =>
    execFileSync(
      process.execPath,
      [CLI, '--state-dir', stateDir, 'prepare:psql', '--', '-c', 'create table t(x int)'],
      {
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    ).toString();
  const admin = new pg.Client({ connectionString: BENCH_PG });
  await admin.connect();
  const made: string[] = [];
  try {
    const first = sqlrs(); // starts the engine and builds the state
    made.push(first.trim().split('/').pop() as string);
    const { rows } = await admin.query(
      'SELECT datname FROM pg_database WHERE datname LIKE $1 AND datistemplate',
      [`${(made[0] as string).slice(0, 15)}s_%`],
    );
    const stateDb = rows[0]?.datname as string;
    const cli: number[] = [];
    const raw: number[] = [];
    for (let i = 0; i < N; i++) {
      await sleep(PAUSE_MS);
      let t0 = performance.now();
      made.push(sqlrs().trim().split('/').pop() as string);
      cli.push(performance.now() - t0);
      const name = `bench_cli_${process.pid}_${i}`;
      await sleep(PAUSE_MS);
      t0 = performance.now();
      execFileSync('psql', [
        '-X',
        '-q',
        '-h',
        '127.0.0.1',
        '-U',
        'postgres',
        '-d',
        'postgres',
        '-c',
        `create database "${name}" template "${stateDb}"`,
      ]);
      raw.push(performance.now() - t0);
      made.push(name);
    }
    report(
      'sqlrs prepare:psql cache hit vs psql -c "create database ... template"',
      median(raw),
      median(cli),
      2,
    );
  } finally {
    const info = JSON.parse(
      (await import('node:fs')).readFileSync(join(stateDir, 'engine.json'), 'utf8'),
    );
    process.kill(info.pid, 'SIGTERM');
    // The engine may be refilling its warm pool: drop only once it has finished and exited.
    while (pidAlive(info.pid)) await sleep(50);
    await dropAll(admin, made);
    await admin.end();
  }
}

await main();

import { type ChildProcess, spawn } from 'node:child_process';
import type { Test } from 'tap';
import { ADMIN_URL, query } from './pg.js';

/** A real psql session held open on a database (it waits on stdin), closed at test end. */
export async function holdPsqlSession(t: Test, dsn: string): Promise<ChildProcess> {
  const child = spawn('psql', ['-X', dsn], { stdio: ['pipe', 'ignore', 'ignore'] });
  t.teardown(() => {
    child.stdin?.end();
    child.kill('SIGKILL');
  });
  const db = new URL(dsn).pathname.slice(1);
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const rows = await query(
      ADMIN_URL,
      "SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND application_name = 'psql'",
      [db],
    );
    if (rows.length > 0) return child;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`psql did not connect to ${db}`);
}

export async function sessionsOn(db: string): Promise<number> {
  const rows = await query<{ n: string }>(
    ADMIN_URL,
    'SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1',
    [db],
  );
  return Number(rows[0]?.n ?? 0);
}

/** The server pids of the sessions that carry this application name. */
export async function sessionPids(applicationName: string): Promise<number[]> {
  const rows = await query<{ pid: number }>(
    ADMIN_URL,
    'SELECT pid FROM pg_stat_activity WHERE application_name = $1',
    [applicationName],
  );
  return rows.map((r) => r.pid);
}

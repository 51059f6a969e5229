import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import type { Test } from 'tap';
import { pidAlive } from '../../lib/engine-files/pid-alive.js';
import { until } from './until.js';

const run = promisify(execFile);

/**
 * A PostgreSQL 15 cluster of the test's own (trust auth on loopback), which the test can stop,
 * kill and start: an outage no other test sees. Dropped at test end.
 */
export interface OwnCluster {
  name: string;
  port: number;
  url: string;
  start(): Promise<void>;
  /** Stops it at once (`-m immediate`): sessions are cut as in a crash. */
  stop(): Promise<void>;
  /** Kills the postmaster with SIGKILL (its pid from postmaster.pid). */
  kill(): Promise<void>;
}

/** Why clusters cannot be made here, or undefined when they can. */
export async function clusterToolsMissing(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'pg_createcluster needs root';
  try {
    await run('pg_lsclusters', []);
    return undefined;
  } catch {
    return 'pg_createcluster / pg_ctlcluster are not installed';
  }
}

export async function ownCluster(t: Test): Promise<OwnCluster> {
  const name = `sqlrs_t_${randomBytes(4).toString('hex')}`;
  const port = await freePort();
  await run('pg_createcluster', ['15', name, '-p', String(port), '--', '-A', 'trust']);
  t.teardown(() => run('pg_dropcluster', ['--stop', '15', name]).then(() => undefined));
  const ctl = (action: string, ...more: string[]) =>
    run('pg_ctlcluster', ['15', name, action, ...more]).then(() => undefined);
  const cluster: OwnCluster = {
    name,
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start: () => ctl('start'),
    stop: () => ctl('stop', '-m', 'immediate'),
    async kill() {
      const pidFile = `/var/lib/postgresql/15/${name}/postmaster.pid`;
      const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
      process.kill(pid, 'SIGKILL');
      // The next start refuses while the postmaster's pid is alive (its lock file names it),
      // and its backends end only once they see it gone.
      await until(() => !pidAlive(pid), `postmaster ${pid} gone`);
      await until(async () => !(await processesLeft(name)), `backends of ${name} gone`);
    },
  };
  await cluster.start();
  return cluster;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Whether any process of the cluster is still running (its titles name `15/<name>`). */
async function processesLeft(name: string): Promise<boolean> {
  try {
    await run('pgrep', ['-f', `postgres: 15/${name}`]);
    return true;
  } catch {
    return false;
  }
}

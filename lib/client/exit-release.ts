import { spawn } from 'node:child_process';

/** What a client leaves for its process's exit: the instances it holds, and how to reach them. */
export interface ExitRelease {
  held: () => string[];
  /** Releases everything and closes the client (async). */
  close: () => Promise<void>;
  target: () => { origin: string; token?: string };
}

// A detached process that deletes the instances named in its environment, for an exit that
// leaves no time for asynchronous work. fetch is global from Node 18.
const RELEASER = `
const { origin, token, ids } = JSON.parse(process.env.SQLRS_RELEASE);
const headers = token ? { authorization: 'Bearer ' + token } : {};
Promise.allSettled(ids.map((id) =>
  fetch(origin + '/v1/instances/' + id + '?force=true', { method: 'DELETE', headers })));
`;

/**
 * Releases a client's instances when its process ends (docs/client.md, "Leases and exit"):
 * - 'beforeExit' (the event loop ran dry; the lease timers are unref'd and do not hold it):
 *   an ordinary close(), which deletes each instance and waits for the answers;
 * - 'exit' (process.exit(), or beforeExit's work not done): no asynchronous work can run
 *   then, so a detached process is started that sends the deletes after this one is gone.
 * A process killed by a signal runs neither; its instances expire when their leases run out.
 * Returns the function that removes the hooks (on close()).
 */
export function releaseOnExit(client: ExitRelease): () => void {
  let closing = false;
  const beforeExit = () => {
    if (closing || client.held().length === 0) return;
    closing = true;
    void client.close().catch(() => undefined);
  };
  const exit = () => {
    const ids = client.held();
    if (ids.length === 0) return;
    try {
      const child = spawn(process.execPath, ['-e', RELEASER], {
        detached: true,
        stdio: 'ignore',
        env: releaserEnv(JSON.stringify({ ...client.target(), ids })),
      });
      child.unref();
    } catch {
      // Best effort: the leases expire on their own.
    }
  };
  process.on('beforeExit', beforeExit);
  process.on('exit', exit);
  return () => {
    process.off('beforeExit', beforeExit);
    process.off('exit', exit);
  };
}

/**
 * The releaser's environment: what it is to do and nothing of its parent's but the CA file an
 * https endpoint may need. An inherited NODE_OPTIONS would load the parent's preloads into it
 * (a test runner's instrumentation, a debugger's bootloader that attaches to it or waits with
 * --inspect-brk while it holds the token), and NODE_V8_COVERAGE would add it to a coverage run.
 */
function releaserEnv(release: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { SQLRS_RELEASE: release };
  for (const name of ['NODE_EXTRA_CA_CERTS', 'SYSTEMROOT'])
    if (process.env[name] !== undefined) env[name] = process.env[name];
  return env;
}

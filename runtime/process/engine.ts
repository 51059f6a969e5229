import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { removeEngineJson, writeEngineJson } from '../../lib/engine-files/engine-json.js';
import { prepareStateDir } from '../../lib/engine-files/state-dir.js';
import type { Store } from '../../lib/store/types.js';
import { exposureOfHost } from '../../lib/trust.js';
import { createEngineCore, type EngineCore } from '../compose/engine-core.js';
import { loopbackHostCheck } from '../edge/host-check.js';
import { createHttpServer } from '../edge/http-server.js';
import type { Deps } from '../edge/types.js';
import { createIdleTimer } from './idle-timer.js';
import { acquireLock, LOCK_FILE } from './lock.js';

export interface EngineOptions {
  host: string;
  /** Working directory for steps without a -f file; default `<state dir>/run`. */
  runDir?: string;
  /** Environment for config overrides (SQLRS_IMAGES, ...); default process.env. */
  env?: NodeJS.ProcessEnv;
  port: number;
  stateDir: string;
  engineJson: string;
  idleTimeoutMs: number;
  version?: string;
  maxBodyBytes?: number;
  clock?: () => Date;
}

export interface RunningEngine {
  endpoint: string;
  authToken: string;
  instanceId: string;
  store: Store;
  deps: Deps;
  /** Resolves when the engine has shut down (idle timeout, signal or stop()). */
  closed: Promise<void>;
  stop(reason?: string): Promise<void>;
}

/** Starts an engine: lock, catalog, HTTP server, engine.json. Everything undone by stop(). */
export async function startEngine(opts: EngineOptions): Promise<RunningEngine> {
  const clock = opts.clock ?? (() => new Date());
  await prepareStateDir(opts.stateDir);
  const release = await acquireLock(join(opts.stateDir, LOCK_FILE));
  const exposure = exposureOfHost(opts.host);
  // The loopback engine answers only its own Host (docs/api.md): known once it listens, and
  // nothing is answered before that.
  let hostAllowed: (host: string | undefined) => boolean = () => false;
  let core: EngineCore;
  try {
    core = await createEngineCore({
      ...opts,
      clock,
      exposure,
      hostAllowed: exposure === 'loopback' ? (host) => hostAllowed(host) : undefined,
    });
  } catch (err) {
    await release();
    throw err;
  }
  const { deps, dispatch, authToken, store } = core;
  const logger = deps.logger;
  const { version, instanceId } = deps.engine;
  let stop: (reason?: string) => Promise<void> = async () => undefined;
  const idle = createIdleTimer(opts.idleTimeoutMs, () => void stop('idle timeout'));
  // A job is work in flight too: a prepare sent with --no-watch outlives its request, and its
  // result lives only in this process.
  deps.jobs.onActivity(idle.activity);
  const server = createHttpServer(dispatch, { onActivity: idle.activity });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  hostAllowed = loopbackHostCheck(address);
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const endpoint = `${host}:${address.port}`;
  await writeEngineJson(opts.engineJson, {
    endpoint,
    pid: process.pid,
    startedAt: clock().toISOString(),
    authToken,
    version,
    instanceId,
  });
  logger.info('engine_started', { endpoint, pid: process.pid, stateDir: opts.stateDir, version });

  let resolveClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve;
  });
  let stopping: Promise<void> | undefined;
  stop = (reason = 'stop') => {
    stopping ??= (async () => {
      logger.info('engine_stopping', { reason });
      idle.stop();
      await closeServer(server, idle.inFlight, () => deps.jobs.shutdown());
      await removeEngineJson(opts.engineJson, instanceId);
      logger.info('engine_stopped', { reason });
      await core.close();
      await release();
      resolveClosed();
    })();
    return stopping;
  };
  return { endpoint, authToken, instanceId, store, deps, closed, stop };
}

/** Stops accepting, lets requests in flight finish (bounded), then cuts what remains. */
async function closeServer(
  server: ReturnType<typeof createHttpServer>,
  inFlight: () => number,
  cancelJobs: () => Promise<void>,
) {
  const done = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  // Running jobs are cancelled so that event streams reach their end and close.
  await cancelJobs();
  const deadline = Date.now() + 10_000;
  while (inFlight() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  server.closeAllConnections();
  await done;
}

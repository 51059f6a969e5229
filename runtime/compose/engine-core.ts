import { join } from 'node:path';
import { type EngineConfig, loadConfig } from '../../lib/config.js';
import { serverAnswers } from '../../lib/dbms/server-answers.js';
import { prepareStateDir } from '../../lib/engine-files/state-dir.js';
import { newAuthToken, newEngineInstanceId } from '../../lib/id.js';
import { configuredImages } from '../../lib/images.js';
import { packageVersion } from '../../lib/package-info.js';
import { compileSchemas } from '../../lib/schemas.js';
import type { Store } from '../../lib/store/types.js';
import { type Exposure, trustSettings } from '../../lib/trust.js';
import { createDispatcher, DEFAULT_MAX_BODY_BYTES, type Dispatch } from '../edge/dispatch.js';
import { ListCache } from '../edge/listing/list-cache.js';
import { buildOpenApi } from '../edge/openapi.js';
import { ROUTES } from '../edge/routes.js';
import type { Deps } from '../edge/types.js';
import { createFileLogger } from './file-logger.js';
import { openCatalog } from './open-catalog.js';
import { createPrepareServices } from './services.js';

export interface CoreOptions {
  stateDir: string;
  /** The bearer token; a new random one when not given. */
  authToken?: string;
  /** Engine config; replaces `<state dir>/config.json` when given (environment still applies). */
  config?: EngineConfig;
  env?: NodeJS.ProcessEnv;
  runDir?: string;
  version?: string;
  maxBodyBytes?: number;
  clock?: () => Date;
  /**
   * An open catalog to use instead of the one the config names (tests that share one store
   * between cores); closed with the core.
   */
  store?: Store;
  /**
   * Who can reach these handlers (docs/security.md): the local engine says by its listen
   * address, the cloud adapters say `remote`. Default `loopback`.
   */
  exposure?: Exposure;
  /** Passed to the dispatcher: the loopback engine's Host check (docs/api.md). */
  hostAllowed?: (host: string | undefined) => boolean;
}

/** The engine without its process: catalog, jobs, handlers' deps and the dispatcher. */
export interface EngineCore {
  deps: Deps;
  dispatch: Dispatch;
  authToken: string;
  maxBodyBytes: number;
  store: Store;
  close(): Promise<void>;
}

/**
 * Builds everything the handlers need. Used by the local engine process (which adds the lock,
 * the node:http server and engine.json) and by the cloud adapters (Fetch, Lambda).
 */
export async function createEngineCore(opts: CoreOptions): Promise<EngineCore> {
  const clock = opts.clock ?? (() => new Date());
  const { log } = await prepareStateDir(opts.stateDir);
  const logger = createFileLogger(log, clock);
  const validators = compileSchemas();
  let store: Store | undefined;
  try {
    const config = loadConfig(opts.stateDir, validators, opts.env, opts.config);
    store = opts.store ?? (await openCatalog(opts.stateDir, config, clock, logger));
    const runDir = opts.runDir ?? join(opts.stateDir, 'run');
    const trust = trustSettings(config, opts.exposure ?? 'loopback');
    const instanceId = newEngineInstanceId();
    const prepare = createPrepareServices({
      store,
      config,
      trust,
      clock,
      logger,
      runDir,
      engineId: instanceId,
    });
    await prepare.deletion.reconcile();
    await prepare.leases.start();
    // What a server that did not answer kept is dropped once it answers (docs/deletion.md).
    prepare.ctx.leftoverDrops?.retryAll();
    prepare.ctx.warmPool?.trim();
    prepare.reaper.start();
    const authToken = opts.authToken ?? newAuthToken();
    const maxBodyBytes = opts.maxBodyBytes ?? config.max_body_bytes ?? DEFAULT_MAX_BODY_BYTES;
    const version = opts.version ?? packageVersion();
    const listCache = new ListCache(config.list_cache_bytes);
    store.onCommit(() => listCache.changed());
    const deps: Deps = {
      store,
      validators,
      clock,
      logger,
      engine: { version, instanceId, pid: process.pid },
      jobs: prepare.jobs,
      jobBoard: prepare.jobBoard,
      deletion: prepare.deletion,
      cache: prepare.eviction,
      images: {
        targets: configuredImages(config, opts.env ?? process.env),
        defaultId: config.default_image ?? 'postgres',
        answers: (url) => serverAnswers(url),
      },
      unknownDatabases: () => prepare.deletion.unknownDatabases(),
      listCache,
      openapi: () => buildOpenApi(ROUTES, validators.schemas, version),
    };
    const dispatch = createDispatcher({
      routes: ROUTES,
      deps,
      authToken,
      maxBodyBytes,
      hostAllowed: opts.hostAllowed,
    });
    const openStore = store;
    return {
      deps,
      dispatch,
      authToken,
      maxBodyBytes,
      store,
      async close() {
        await prepare.close();
        // A catalog that cannot be saved now (a full disk) leaves the last one saved, as a
        // crash would: the next start reconciles from it. The engine still stops cleanly.
        await openStore.close().catch((err: Error) => {
          logger.error('catalog_not_saved_at_stop', { error: err.message });
        });
        await logger.close();
      },
    };
  } catch (err) {
    await store?.close();
    await logger.close();
    throw err;
  }
}

import type { Test } from 'tap';
import type { EngineConfig } from '../../lib/config.js';
import type { JobEvent, JobStatus } from '../../lib/schema-types.js';
import { createEngineCore, type EngineCore } from '../../runtime/compose/engine-core.js';
import { dropCatalogDatabases } from './catalog-cleanup.js';
import { pgCatalog } from './pg-catalog.js';
import { tempDir } from './tmp.js';

/** An engine core on a shared catalog, with calls through its dispatcher. */
export interface SharedCore {
  core: EngineCore;
  // biome-ignore lint/suspicious/noExplicitAny: tests index into replies freely
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** The NDJSON events of a job (follows until its end, as the API does). */
  events(jobId: string): Promise<JobEvent[]>;
  /** Closes the core (a clean stop); idempotent. */
  stop(): Promise<void>;
}

/**
 * A shared catalog database of the test's own and a way to start engine cores on it, each with
 * its own state directory, every one stopped and the catalog's server databases dropped at
 * test end. Leases are short (`engine_lease` 4s: a loaded machine's stalls stay far inside them)
 * unless the config says otherwise.
 */
export async function sharedEngines(t: Test) {
  const catalog = await pgCatalog(t);
  const cores: SharedCore[] = [];
  let catalogId: string | undefined;
  t.teardown(async () => {
    for (const c of cores) await c.stop();
    if (catalogId) await dropCatalogDatabases(catalogId);
  });
  /** `clock`: the engine's own clock (a skewed one, for lease tests). */
  const start = async (
    config: EngineConfig = {},
    opts: { clock?: () => Date } = {},
  ): Promise<SharedCore> => {
    const store = await catalog.open();
    catalogId = store.catalogId;
    const core = await createEngineCore({
      stateDir: await tempDir(t),
      store,
      authToken: 'token',
      clock: opts.clock,
      config: { warm_pool: { per_state: 0 }, engine_lease: '4s', ...config },
    });
    let stopped: Promise<void> | undefined;
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await core.dispatch({
        method,
        url: path,
        headers: { authorization: 'Bearer token', 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const decode = (c: string | Uint8Array) =>
        typeof c === 'string' ? c : Buffer.from(c).toString();
      let text = '';
      if (res.stream) for await (const chunk of res.stream) text += decode(chunk);
      else if (res.chunks) text = res.chunks.map(decode).join('');
      else return { status: res.status, body: res.body };
      return { status: res.status, body: text };
    };
    const shared: SharedCore = {
      core,
      call,
      async events(jobId) {
        const res = await call('GET', `/v1/prepare-jobs/${jobId}/events`);
        return String(res.body)
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as JobEvent);
      },
      stop() {
        stopped ??= core.close();
        return stopped;
      },
    };
    cores.push(shared);
    return shared;
  };
  return { catalog, start };
}

/** GET of a job through an engine. */
export async function jobOf(e: SharedCore, jobId: string): Promise<JobStatus | undefined> {
  const res = await e.call('GET', `/v1/prepare-jobs/${jobId}`);
  return res.status === 200 ? (res.body as JobStatus) : undefined;
}

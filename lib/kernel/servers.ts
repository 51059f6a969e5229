import type { EngineConfig, ImageTarget } from '../config.js';
import { MysqlServer } from '../dbms/mysql/server.js';
import { PostgresServer } from '../dbms/postgres/server.js';
import type { DbmsServer } from '../dbms/types.js';
import type { Store } from '../store/types.js';
import type { TrustSettings } from '../trust.js';

/** The server an image runs on; the same object for every image on the same url. */
export type ServerLookup = (target: ImageTarget) => DbmsServer;

export interface Servers {
  lookup: ServerLookup;
  /** Closes every server made so far (their connections); a failure to close is ignored. */
  close(): Promise<void>;
}

/**
 * Makes each server the first time an image on its url is used: one connection pool and one
 * set of locks per server, however many images name it.
 */
export function createServers(opts: {
  store: Pick<Store, 'catalogId' | 'lockSecret'>;
  config: EngineConfig;
  trust: Pick<TrustSettings, 'buildRole'>;
  /** This engine's id, which names its sessions on the servers. */
  engineId?: string;
}): Servers {
  const { store, config, trust } = opts;
  const made = new Map<string, DbmsServer>();
  const lookup = (target: ImageTarget): DbmsServer => {
    let s = made.get(target.url);
    if (!s) {
      s =
        target.kind === 'mysql'
          ? new MysqlServer(target.url, trust.buildRole)
          : new PostgresServer(target.url, {
              strategy: config.clone_strategy ?? 'auto',
              catalogId: store.catalogId,
              fileCopyBytes: config.clone_file_copy_bytes,
              access: trust.buildRole,
              lockSecret: store.lockSecret,
              engineId: opts.engineId,
            });
      made.set(target.url, s);
    }
    return s;
  };
  return {
    lookup,
    async close() {
      await Promise.all([...made.values()].map((s) => s.close().catch(() => undefined)));
    },
  };
}

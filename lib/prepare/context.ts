import type { EngineConfig, ImageTarget } from '../config.js';
import type { DbNames } from '../dbms/names.js';
import type { DbmsServer } from '../dbms/types.js';
import type { DeletionsInProgress } from '../deletion/in-progress.js';
import type { KeyedMutex } from '../kernel/keyed-mutex.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/types.js';
import type { TaskRunner } from '../tasks.js';
import type { TrustSettings } from '../trust.js';
import type { HashCache } from './accept/hash-cache.js';
import type { WarmPool } from './hand-out/warm-pool.js';
import type { LeftoverDrops } from './records/leftover-drops.js';
import type { Reservations } from './records/reservations.js';

/** Everything the job manager, planner and executor share; built once by the engine. */
export interface PrepareContext {
  store: Store;
  pool: TaskRunner;
  config: EngineConfig;
  /** Where the trust boundary is drawn: restriction, host files, roles, step time limit. */
  trust: TrustSettings;
  clock: () => Date;
  logger: Logger;
  server: (target: ImageTarget) => DbmsServer;
  names: DbNames;
  stateLocks: KeyedMutex;
  /** States a delete is removing now: work from them waits it out before it is kept. */
  deletions: DeletionsInProgress;
  /** Step hashes reused while their files keep their identity; absent: always hash. */
  hashCache?: HashCache;
  /** Pre-cloned copies of recently used states; absent when turned off. */
  warmPool?: WarmPool;
  /** Instance names recorded ahead, so a cache hit's flush overlaps its clone; absent: none. */
  reservations?: Reservations;
  /** Retries, while the engine runs, the drops of what failed work left; absent: at start only. */
  leftoverDrops?: LeftoverDrops;
  /** Image id to resolved image id, filled by resolve_image tasks. */
  resolved: Map<string, string>;
  /** Working directory for steps that have no -f file. */
  runDir: string;
  psqlPath: string;
  /** Per psql path, whether it can run restricted (lib/psql/restrict/restrict-support.ts); asked once. */
  psqlVersions?: Map<string, Promise<string | undefined>>;
  maxLogLines: number;
  killGraceMs: number;
  /** Longest time hashing one request's steps may take (`hash_timeout`), in ms; 0: no limit. */
  hashTimeoutMs: number;
}

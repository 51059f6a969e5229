import type { Kernel } from '../kernel/kernel.js';
import type { TaskRunner } from '../tasks.js';
import type { HashCache } from './accept/hash-cache.js';
import type { WarmPool } from './hand-out/warm-pool.js';
import type { LeftoverDrops } from './records/leftover-drops.js';
import type { Reservations } from './records/reservations.js';

/**
 * Everything the job manager, planner and executor share: the kernel (lib/kernel/kernel.ts)
 * and prepare's own services, each built from the kernel fields it needs before this object
 * is put together (runtime/compose/services.ts).
 */
export interface PrepareContext extends Kernel {
  pool: TaskRunner;
  /** Step hashes reused while their files keep their identity; absent: always hash. */
  hashCache?: HashCache;
  /** Pre-cloned copies of recently used states; absent when turned off. */
  warmPool?: WarmPool;
  /** Instance names recorded ahead, so a cache hit's flush overlaps its clone; absent: none. */
  reservations?: Reservations;
  /** Retries, while the engine runs, the drops of what failed work left; absent: at start only. */
  leftoverDrops?: LeftoverDrops;
  /**
   * Told after a job published a state on the image's server, before its instance is handed
   * out (the cache budget's pass: lib/lifecycle/); absent: nobody listens.
   */
  afterBuild?: (imageId: string) => void;
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

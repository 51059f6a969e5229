import type { Kernel } from '../kernel/kernel.js';
import type { DeleteResult } from '../schema-types.js';
import type { PooledRow } from '../store/types.js';
import type { CacheBudget } from './budget.js';
import {
  FIRST_MEASURE_AFTER_START_MS,
  MEASURE_AT_LEAST_EVERY_MS,
  mayBeOverBudget,
} from './recorded-usage.js';
import { holdingsByServer, measure, type ServerUsage } from './usage.js';
import { Victims } from './victims.js';

/** One thing a pass evicted (or, on a dry run, would evict). */
export interface Evicted {
  kind: 'state' | 'warm_copy';
  /** A state's id, or a warm copy's database name. */
  id: string;
  image_id: string;
  bytes: number;
}

export interface EvictionReport {
  at: string;
  states: number;
  warm_copies: number;
  bytes: number;
}

/** What eviction asks of the others, met by the deletion service, the warm pool and the jobs. */
export interface EvictionDeps {
  kernel: Pick<Kernel, 'store' | 'config' | 'servers' | 'names' | 'clock' | 'logger'>;
  budget: CacheBudget;
  /**
   * An ordinary delete of one state, never forced, never recursive (lib/deletion), done only if
   * `onlyIf` still holds when the delete's turn comes and when it commits.
   */
  deleteState(stateId: string, onlyIf: (stateId: string) => boolean): Promise<DeleteResult>;
  /** Drops warm copies by the pool's own claim and drop; absent: no pool. */
  evictCopies?(rows: PooledRow[]): Promise<string[]>;
  /** States queued and running jobs need, and images whose chains are not known yet. */
  needed(): { stateIds: Set<string>; images: Set<string> };
}

/**
 * The cache budget (docs/lifecycle.md, Cache budget and eviction): per server, while its
 * states and warm copies take more than `cache_max_bytes`, a pass evicts down to the low
 * watermark, warm copies first, then states nobody holds, least recently used first. Passes
 * run one at a time; a pass asked for after a build while one waits (not yet started) joins it.
 */
export class CacheEviction {
  private chain: Promise<unknown> = Promise.resolve();
  private queued: Promise<Evicted[]> | undefined;
  private last: EvictionReport | undefined;
  /**
   * When a pass last measured the servers (ms by the kernel's clock); at start, set so that the
   * first measure falls due FIRST_MEASURE_AFTER_START_MS after it.
   */
  private measuredAt: number;

  constructor(private readonly deps: EvictionDeps) {
    this.measuredAt =
      deps.kernel.clock().getTime() - MEASURE_AT_LEAST_EVERY_MS + FIRST_MEASURE_AFTER_START_MS;
  }

  /**
   * After a build that published a state, and after each reaper pass: a pass in the background
   * (joined if one waits) that goes on to measure only when measureDue says so
   * (docs/lifecycle.md, A pass).
   */
  afterBuild(): void {
    if (this.deps.budget.maxBytes === 0 || this.queued) return;
    // Cleared as the pass starts, not as it ends: a build done while it runs, after it read
    // the catalog, queues one more pass rather than join one that cannot see that build.
    const queued = this.enqueue(
      false,
      () => {
        if (this.queued === queued) this.queued = undefined;
      },
      true,
    );
    this.queued = queued;
    queued.catch((err) =>
      this.deps.kernel.logger.error('cache_eviction_failed', { error: String(err) }),
    );
  }

  /** A pass now (`POST /v1/cache/evict`, `sqlrs gc`); a dry run changes nothing. */
  evictNow(opts: { dryRun?: boolean } = {}): Promise<Evicted[]> {
    return this.enqueue(opts.dryRun ?? false);
  }

  /** Resolves when no pass is queued or running (tests). */
  async idle(): Promise<void> {
    let seen: Promise<unknown> | undefined;
    while (seen !== this.chain) {
      seen = this.chain;
      await seen.catch(() => undefined);
    }
  }

  /** cache_max_bytes, per server (0: no budget). */
  get maxBytes(): number {
    return this.deps.budget.maxBytes;
  }

  lastEviction(): EvictionReport | undefined {
    return this.last;
  }

  /** Every server the catalog uses, measured (one query each). */
  async usage(): Promise<ServerUsage[]> {
    const { store, config, servers } = this.deps.kernel;
    const holdings = await holdingsByServer(store, config);
    return Promise.all(holdings.map((h) => measure(h, servers(h.target))));
  }

  /** The bytes a pass could evict if the budget were 0: what nothing holds now. */
  async reclaimable(u: ServerUsage): Promise<number> {
    const all = await this.plan(u, 0, undefined);
    return all.reduce((n, e) => n + e.bytes, 0);
  }

  private enqueue(
    dryRun: boolean,
    starting: () => void = () => {},
    onlyIfDue = false,
  ): Promise<Evicted[]> {
    const run = this.chain
      .catch(() => undefined)
      .then(() => {
        starting();
        return onlyIfDue && !this.measureDue() ? [] : this.pass(dryRun);
      });
    this.chain = run.catch(() => undefined);
    return run;
  }

  /**
   * Whether the record says a server may be over its budget (mayBeOverBudget), or a measure is
   * due anyway: the first after a start, one MEASURE_AT_LEAST_EVERY_MS after the last, or the
   * clock went back since the last (the wall clock can be set back; a measure too many is
   * harmless, one missed for an hour is not).
   */
  private measureDue(): boolean {
    const { store, config, clock } = this.deps.kernel;
    const since = clock().getTime() - this.measuredAt;
    if (since < 0 || since >= MEASURE_AT_LEAST_EVERY_MS) return true;
    return mayBeOverBudget(store, config, this.deps.budget.maxBytes);
  }

  private async pass(dryRun: boolean): Promise<Evicted[]> {
    const { maxBytes, lowWatermark } = this.deps.budget;
    if (maxBytes === 0) return [];
    // A dry run evicts nothing: it must not put off the measure that would.
    if (!dryRun) this.measuredAt = this.deps.kernel.clock().getTime();
    const out: Evicted[] = [];
    for (const u of await this.usage()) {
      if (u.usageBytes <= maxBytes) continue;
      const target = Math.floor(maxBytes * lowWatermark);
      out.push(...(await this.plan(u, target, dryRun ? undefined : (e) => this.evict(e))));
    }
    if (!dryRun && out.length > 0) {
      const states = out.filter((e) => e.kind === 'state').length;
      this.last = {
        at: this.deps.kernel.clock().toISOString(),
        states,
        warm_copies: out.length - states,
        bytes: out.reduce((n, e) => n + e.bytes, 0),
      };
      this.deps.kernel.logger.info('cache_evicted', { ...this.last });
    }
    return out;
  }

  /**
   * Walks one server's victims until its usage is at most `target`; `evict` evicts one and says
   * whether it went; without it (a dry run) everything goes and nothing changes meanwhile, so
   * what jobs need is asked once rather than before each state.
   */
  private async plan(
    u: ServerUsage,
    target: number,
    evict: ((e: Evicted) => Promise<boolean>) | undefined,
  ): Promise<Evicted[]> {
    const act = evict ?? (() => Promise.resolve(true));
    const out: Evicted[] = [];
    let usage = u.usageBytes;
    const victims = new Victims(u.states, {
      now: this.deps.kernel.clock().getTime(),
      minAgeMs: this.deps.budget.minAgeMs,
      sizeOf: u.sizeOf,
    });
    const image = u.imageIds[0] as string;
    for (const c of victims.copyOrder(u.copies)) {
      if (usage <= target) return out;
      const e: Evicted = {
        kind: 'warm_copy',
        id: c.db_name,
        image_id: image,
        bytes: u.sizeOf(c.db_name),
      };
      if (await act(e)) {
        out.push(e);
        usage -= e.bytes;
      }
    }
    let needed = this.deps.needed();
    while (usage > target) {
      if (evict) needed = this.deps.needed(); // jobs came or went while the last one was dropped
      const s = victims.next(
        (r) => needed.stateIds.has(r.state_id) || needed.images.has(r.image_id),
      );
      if (!s) break;
      const e: Evicted = {
        kind: 'state',
        id: s.state_id,
        image_id: s.image_id,
        bytes: victims.bytes(s),
      };
      if (await act(e)) {
        out.push(e);
        usage -= e.bytes;
        victims.gone(s);
      }
    }
    return out;
  }

  private async evict(e: Evicted): Promise<boolean> {
    try {
      if (e.kind === 'warm_copy') {
        const gone =
          (await this.deps.evictCopies?.([this.copyRow(e.id)].filter((r) => r !== undefined))) ??
          [];
        return gone.includes(e.id);
      }
      const result = await this.deps.deleteState(e.id, (id) => unheld(this.deps, id));
      return result.outcome === 'deleted';
    } catch (err) {
      // Gone already (another delete), or held after all: the pass goes on with the next.
      this.deps.kernel.logger.info('cache_evict_skipped', { id: e.id, error: String(err) });
      return false;
    }
  }

  private copyRow(db: string): PooledRow | undefined {
    return this.deps.kernel.store.listPooled().find((r) => r.db_name === db);
  }
}

/**
 * Whether nothing holds the state now: no job needs it, and it has no instance (one still being
 * made counts) and no child state. Asked again when the delete's turn comes and when it
 * commits: a job submitted while the delete waited may have planned the state as cached.
 */
function unheld(deps: EvictionDeps, stateId: string): boolean {
  const { store } = deps.kernel;
  const needed = deps.needed();
  const image = store.getState(stateId)?.image_id ?? '';
  if (needed.stateIds.has(stateId) || needed.images.has(image)) return false;
  if (store.instancesOfState(stateId).length > 0 || store.childStateIds(stateId).length > 0) {
    return false;
  }
  return !store
    .listPending()
    .some(
      (p) => p.kind === 'instance_create' && store.getInstance(p.target_id)?.state_id === stateId,
    );
}

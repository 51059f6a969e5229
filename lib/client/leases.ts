/**
 * What a lease asks of the engine: renew one instance for `ttlSeconds`. Resolves true when it
 * was renewed, false when the instance is gone (the lease ends); a rejection is a failure that
 * the next tick tries again.
 */
export type Renew = (instanceId: string, ttlSeconds: number) => Promise<boolean>;

export interface LeasesOptions {
  /**
   * Told of a failed renewal, once per run of failures (a renewal that succeeds starts a new
   * run): the CLI says it on stderr; the JS client stays quiet and keeps trying.
   */
  onFailure?: (instanceId: string, error: Error) => void;
}

interface Lease {
  ttlSeconds: number;
  timer: NodeJS.Timeout;
  failing: boolean;
}

/**
 * The instances a client holds on a lease (docs/lifecycle.md, "Leases"): each made with
 * `ttl_seconds` and renewed every third of it (at least a second apart), so that two renewals
 * can fail before it runs out, on unref'd timers so that a lease never keeps the process alive.
 * A renewal the engine answers with "gone" ends the lease. Used by the JS client
 * (lib/client/index.ts) and by `sqlrs exec:psql` (cli/commands/exec.ts).
 */
export class Leases {
  private readonly held = new Map<string, Lease>();

  constructor(
    private readonly renew: Renew,
    private readonly opts: LeasesOptions = {},
  ) {}

  hold(instanceId: string, ttlSeconds: number): void {
    this.drop(instanceId);
    const everyMs = Math.max(1000, (ttlSeconds * 1000) / 3);
    const timer = setInterval(() => void this.renewNow(instanceId), everyMs);
    timer.unref();
    this.held.set(instanceId, { ttlSeconds, timer, failing: false });
  }

  /** Stops renewing (the instance is being released, or is gone). */
  drop(instanceId: string): void {
    const lease = this.held.get(instanceId);
    if (lease) clearInterval(lease.timer);
    this.held.delete(instanceId);
  }

  ids(): string[] {
    return [...this.held.keys()];
  }

  get size(): number {
    return this.held.size;
  }

  /** One renewal now, as a tick does (a kept instance's ttl counted from this moment). */
  async renewNow(instanceId: string): Promise<void> {
    const lease = this.held.get(instanceId);
    if (!lease) return;
    let alive: boolean;
    try {
      alive = await this.renew(instanceId, lease.ttlSeconds);
    } catch (err) {
      if (!lease.failing) this.opts.onFailure?.(instanceId, err as Error);
      lease.failing = true;
      return;
    }
    lease.failing = false;
    if (!alive) this.drop(instanceId);
  }
}

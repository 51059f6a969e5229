/** What a lease asks of the engine: renew one (false: the instance is gone). */
export type Renew = (instanceId: string, ttlSeconds: number) => Promise<boolean>;

interface Lease {
  ttlSeconds: number;
  timer: NodeJS.Timeout;
}

/**
 * The instances a client holds on a lease (docs/lifecycle.md, "Leases"): each made with
 * `ttl_seconds` and renewed every third of it, on unref'd timers so that a lease never keeps the
 * process alive. A renewal that fails for a moment is tried again on the next tick (two more
 * before the lease runs out); one the engine answers with "gone" ends the lease.
 */
export class Leases {
  private readonly held = new Map<string, Lease>();

  constructor(private readonly renew: Renew) {}

  hold(instanceId: string, ttlSeconds: number): void {
    const timer = setInterval(() => void this.tick(instanceId), (ttlSeconds * 1000) / 3);
    timer.unref();
    this.held.set(instanceId, { ttlSeconds, timer });
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

  private async tick(instanceId: string): Promise<void> {
    const lease = this.held.get(instanceId);
    if (!lease) return;
    const alive = await this.renew(instanceId, lease.ttlSeconds).catch(() => true);
    if (!alive) this.drop(instanceId);
  }
}

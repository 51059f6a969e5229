import type { EngineClient } from './client.js';

/**
 * How long an instance held by a running `exec` lives without a renewal: a killed exec (no
 * cleanup ran) leaves its instance for at most this long (docs/lifecycle.md, leases).
 */
export const LEASE_SECONDS = 60;

/**
 * Renews an instance's lease (`POST /v1/instances/{id}/renew`) every third of `ttlSeconds` (at
 * most every 20 s), so that two renewals can fail before it runs out. A failed renewal is said
 * once on stderr; the next one may still succeed. `renew` renews at once.
 */
export function holdLease(
  client: EngineClient,
  instanceId: string,
  ttlSeconds: number,
  err: (s: string) => void,
): { release: () => void; renew: () => Promise<void> } {
  const everyMs = Math.max(1000, Math.min(20_000, (ttlSeconds * 1000) / 3));
  let warned = false;
  const renew = async () => {
    try {
      const reply = await client.call('POST', `/v1/instances/${instanceId}/renew`, {
        ttl_seconds: ttlSeconds,
      });
      if (reply.status !== 200) throw new Error(reply.body?.message ?? `answer ${reply.status}`);
      warned = false;
    } catch (e) {
      if (!warned) err(`sqlrs: could not renew instance ${instanceId}: ${(e as Error).message}\n`);
      warned = true;
    }
  };
  const timer = setInterval(() => void renew(), everyMs);
  // The command being run holds the process open; the lease alone must not.
  timer.unref();
  return { release: () => clearInterval(timer), renew };
}

import { Leases } from '../lib/client/leases.js';
import type { EngineClient } from './client.js';

/**
 * How long an instance held by a running `exec` lives without a renewal: a killed exec (no
 * cleanup ran) leaves its instance for at most this long (docs/lifecycle.md, leases).
 */
export const LEASE_SECONDS = 60;

/**
 * The JS client's leases (lib/client/leases.ts: a renewal every third of the ttl, on unref'd
 * timers) over the CLI's HTTP, `POST /v1/instances/{id}/renew`. Any answer but 200 is a
 * failure, said once on stderr and tried again on the next tick: the command keeps running.
 */
export function execLeases(client: EngineClient, err: (s: string) => void): Leases {
  const renew = async (instanceId: string, ttlSeconds: number) => {
    const reply = await client.call('POST', `/v1/instances/${instanceId}/renew`, {
      ttl_seconds: ttlSeconds,
    });
    if (reply.status !== 200) throw new Error(reply.body?.message ?? `answer ${reply.status}`);
    return true;
  };
  return new Leases(renew, {
    onFailure: (id, e) => err(`sqlrs: could not renew instance ${id}: ${e.message}\n`),
  });
}

/** When a new instance expires (docs/lifecycle.md, "Expiry"). */
export interface Lifetime {
  expires_at: string | null;
  idle_ttl_seconds: number | null;
}

/**
 * A TTL asked for is fixed from creation; else an unnamed instance slides on the config's
 * instance_ttl (0: never), and a named one never expires: a name says the user keeps it.
 */
export function lifetimeOf(
  createdAt: string,
  opts: { ttlSeconds?: number; named: boolean; instanceTtlMs: number },
): Lifetime {
  if (opts.ttlSeconds !== undefined) {
    return { expires_at: plusSeconds(createdAt, opts.ttlSeconds), idle_ttl_seconds: null };
  }
  if (opts.named || opts.instanceTtlMs === 0) return { expires_at: null, idle_ttl_seconds: null };
  // Whole seconds, at least one: the column is an integer, and so are request TTLs.
  const idle = Math.max(1, Math.round(opts.instanceTtlMs / 1000));
  return { expires_at: plusSeconds(createdAt, idle), idle_ttl_seconds: idle };
}

export const plusSeconds = (at: string, seconds: number) =>
  new Date(Date.parse(at) + seconds * 1000).toISOString();

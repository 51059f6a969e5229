/**
 * An engine's clock and a catalog server's, both made up, for CatalogClock: the server is
 * `aheadMs` ahead, and each read of its time takes `stallMs` of the engine's clock (an event
 * loop stalled on a loaded machine), the server's clock read at the end of that round trip:
 * the middle of the round trip is then `stallMs / 2` off. Time moves only by those stalls and
 * by `advance`.
 */
export function stallingClock(aheadMs: number, start = Date.parse('2030-01-01T00:00:00Z')) {
  let local = start;
  const clock = {
    stallMs: 0,
    local: () => new Date(local),
    /** The server's time now, as the catalog reads it. */
    server: () => local + aheadMs,
    advance: (ms: number) => {
      local += ms;
    },
    store: {
      serverTime: async () => {
        local += clock.stallMs;
        // A server started long ago: no lease is held back by its start.
        return { now: new Date(local + aheadMs), startedAt: new Date(start - 86_400_000) };
      },
    },
  };
  return clock;
}

/**
 * Fires `onIdle` once no request has been in flight for `timeoutMs` (SPEC §3). A timeout of 0
 * disables it. The timer is unref'd so it never keeps the process alive on its own.
 */
export function createIdleTimer(timeoutMs: number, onIdle: () => void) {
  let inFlight = 0;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    if (timeoutMs <= 0 || inFlight > 0) return;
    clearTimeout(timer);
    timer = setTimeout(onIdle, timeoutMs);
    timer.unref();
  };
  arm();
  return {
    activity(delta: 1 | -1) {
      inFlight += delta;
      if (inFlight > 0) clearTimeout(timer);
      else arm();
    },
    inFlight: () => inFlight,
    stop: () => clearTimeout(timer),
  };
}

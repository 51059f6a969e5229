/**
 * Fires `onIdle` once nothing has been in flight for `timeoutMs` (docs/runtime.md): no request,
 * and no job queued or running (the engine counts both). A timeout of 0 disables it. The timer is
 * unref'd so it never keeps the process alive on its own; once stopped it is never armed again.
 */
export function createIdleTimer(timeoutMs: number, onIdle: () => void) {
  let inFlight = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    if (stopped || timeoutMs <= 0 || inFlight > 0) return;
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
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

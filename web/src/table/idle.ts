// Work for when the main thread has nothing to do before the next frame: requestIdleCallback,
// waiting for an idle period long enough for the task, with a deadline so it still runs on a
// page that is never idle that long (and a timer where the browser has no idle callbacks, as
// jsdom).

/**
 * Runs `task` in the first idle period with at least `minMs` left, or once `timeoutMs` have
 * passed whatever is left; returns its cancel.
 */
export function whenIdle(task: () => void, minMs: number, timeoutMs: number): () => void {
  if (typeof requestIdleCallback !== "function") {
    const id = setTimeout(task, 0);
    return () => clearTimeout(id);
  }
  const deadline = performance.now() + timeoutMs;
  let id = 0;
  const attempt = (idle: IdleDeadline) => {
    if (idle.didTimeout || idle.timeRemaining() >= minMs) task();
    else id = requestIdleCallback(attempt, { timeout: Math.max(0, deadline - performance.now()) });
  };
  id = requestIdleCallback(attempt, { timeout: timeoutMs });
  return () => cancelIdleCallback(id);
}

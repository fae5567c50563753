/**
 * The longest time the event loop went without running a timer, measured with a 10 ms interval. In-process,
 * writes and change deliveries share the one thread, so this shows whether either held it. Only meaningful where
 * no other timer callback re-arms itself with more work than its delay (Node then keeps running that timer list).
 */
const TICK_MS = 10;

export function watchEventLoop(): { stop(): number } {
  let last = performance.now();
  let longest = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last - TICK_MS);
    last = now;
  }, TICK_MS);
  return {
    /** Stops watching; returns the longest stall in milliseconds, counting one still going on. */
    stop() {
      clearInterval(timer);
      return Math.max(0, Math.round(Math.max(longest, performance.now() - last - TICK_MS)));
    },
  };
}

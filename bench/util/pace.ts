/**
 * A writer held to a fixed rate: it checks the clock and issues the writes it owes. Up to `maxInFlight` writes may
 * be outstanding, so the rate is not capped by one round trip; a write that waits in a queue still counts that
 * wait in its latency, which runs from the call.
 */
import { sleep } from './time.js';

export interface PacedRun {
  writes: number;
  elapsedMs: number;
  /** Writes per second actually achieved; below the asked rate when the writes could not keep up. */
  achievedPerSec: number;
}

/** Calls `write(k)` for k = 0, 1, ... at `perSec` on average for `durationMs`; rejects if a write fails. */
export async function pacedWrites(perSec: number, durationMs: number, maxInFlight: number, write: (k: number) => Promise<void>): Promise<PacedRun> {
  const pending = new Set<Promise<void>>();
  let failure: { error: unknown } | null = null;
  const start = performance.now();
  let k = 0;
  while (failure === null) {
    const elapsed = performance.now() - start;
    if (elapsed >= durationMs) break;
    const owed = Math.floor((elapsed * perSec) / 1000);
    if (k < owed && pending.size < maxInFlight) {
      // One event-loop turn per write, as an application's writer driven by requests or timers gets: an in-process
      // write that resolves without I/O would otherwise keep timers (a waiting getMore's maxAwaitTimeMS, the
      // stall watch) from running while the writer catches up.
      await new Promise<void>((resolve) => setImmediate(resolve));
      const p: Promise<void> = write(k++).then(
        () => void pending.delete(p),
        (error: unknown) => {
          failure ??= { error };
          pending.delete(p);
        },
      );
      pending.add(p);
    } else if (k < owed) {
      await Promise.race(pending);
    } else {
      // The next write waits for the setImmediate above, so it runs outside this timer's callback: writes run
      // inside it could outlast the 1 ms delay, and Node would keep serving this one timer list, starving the rest.
      await sleep(1);
    }
  }
  await Promise.all(pending);
  const elapsedMs = performance.now() - start;
  if (failure !== null) throw (failure as { error: unknown }).error;
  return { writes: k, elapsedMs, achievedPerSec: Math.round((k * 1000) / elapsedMs) };
}

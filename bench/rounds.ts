/** Picks the representative of repeated runs: the run whose headline figure is the median. */
import type { RunResult } from './result.js';

function headlineOf(run: RunResult, metric: string): number | null {
  const v = run.metrics?.[metric];
  return run.ok && typeof v === 'number' ? v : null;
}

/**
 * The median run of `runs` (same scenario and subject) by `metric`, carrying every round's figure in `rounds`.
 * A failed round counts: if any round failed, the failure is reported, not hidden behind the others.
 */
export function medianRun(runs: readonly RunResult[], metric: string): RunResult {
  if (runs.length === 1) return runs[0]!;
  const rounds = runs.map((r) => headlineOf(r, metric));
  const failed = runs.find((r) => !r.ok);
  if (failed) return { ...failed, rounds };
  const sorted = [...runs].sort((a, b) => headlineOf(a, metric)! - headlineOf(b, metric)!);
  return { ...sorted[Math.floor((sorted.length - 1) / 2)]!, rounds };
}

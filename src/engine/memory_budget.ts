import v8 from 'node:v8';
import vm from 'node:vm';
import { mongoError, type MongoServerError } from '../errors/index.js';

/**
 * The process's heap budget. V8 ends the whole process when its heap is full ("JavaScript heap out of memory"), so
 * eddydb stops taking new work, and long loops stop their operation, when the heap passes a budget below that
 * limit: the request that needed the memory fails with ExceededMemoryLimit (146), and every other client keeps its
 * server.
 *
 * The budget is the process's, not one server's: every server and client in the process share one heap. It
 * defaults to DEFAULT_BUDGET_FRACTION of V8's heap limit (`--max-old-space-size` sets that limit) and is set with
 * `--setParameter maxHeapBudgetMB=N`.
 *
 * Checking is cheap enough for a scan loop: the heap is measured at most once per SAMPLE_EVERY_CALLS checks, and a
 * timer invalidates the measure every SAMPLE_INTERVAL_MS so that rare callers (one check per command) see a fresh
 * one; in between, a check is a decrement and a comparison.
 */

/** The share of V8's heap limit the budget is by default: room left for the collector and for the refusals. */
export const DEFAULT_BUDGET_FRACTION = 0.75;

const SAMPLE_EVERY_CALLS = 256;
const SAMPLE_INTERVAL_MS = 50;

/**
 * A heap over the budget may be mostly garbage the collector has not reclaimed yet; before refusing work, a full
 * collection settles it, at most this often (it pauses the process for as long as it takes).
 */
const FORCED_GC_INTERVAL_MS = 1000;

let configuredBytes: number | undefined;
let over = false;
let countdown = 0;
let lastUsedBytes = 0;
let lastForcedGcAt = -Infinity;
let timer: NodeJS.Timeout | undefined;
let collect: (() => void) | null | undefined;

/** V8's heap limit for this process, in bytes. */
export function heapLimitBytes(): number {
  return v8.getHeapStatistics().heap_size_limit;
}

/** The budget in bytes: the configured one, else DEFAULT_BUDGET_FRACTION of the heap limit. */
export function memoryBudgetBytes(): number {
  return configuredBytes ?? Math.floor(heapLimitBytes() * DEFAULT_BUDGET_FRACTION);
}

/**
 * Sets the budget in megabytes (`maxHeapBudgetMB`); undefined restores the default. Takes effect at the next
 * check.
 */
export function configureMemoryBudget(budgetMB: number | undefined): void {
  configuredBytes = budgetMB === undefined ? undefined : Math.floor(budgetMB * 1024 * 1024);
  countdown = 0;
}

/** True when the heap is over the budget (measured at most every SAMPLE_EVERY_CALLS calls or SAMPLE_INTERVAL_MS). */
export function isOverMemoryBudget(): boolean {
  if (--countdown > 0) return over;
  return sample();
}

/**
 * Throws ExceededMemoryLimit (146) when the heap is over the budget. Long loops (scans, stages over many
 * documents) call it once per document; dispatch calls it before each command that starts new work.
 */
export function checkMemoryBudget(): void {
  if (isOverMemoryBudget()) throw memoryBudgetExceeded();
}

/** The error for work refused or stopped because the heap is over its budget. */
export function memoryBudgetExceeded(): MongoServerError {
  return mongoError(
    'ExceededMemoryLimit',
    `the server's JavaScript heap holds ${megabytes(lastUsedBytes)} MB, more than its budget of ${megabytes(memoryBudgetBytes())} MB ` +
      '(maxHeapBudgetMB): the operation was refused so that the server keeps running',
  );
}

function sample(): boolean {
  countdown = SAMPLE_EVERY_CALLS;
  startTimer();
  const budget = memoryBudgetBytes();
  lastUsedBytes = v8.getHeapStatistics().used_heap_size;
  over = lastUsedBytes > budget;
  if (over) {
    const now = Date.now();
    const gc = now - lastForcedGcAt >= FORCED_GC_INTERVAL_MS ? collector() : null;
    if (gc) {
      lastForcedGcAt = now;
      gc();
      lastUsedBytes = v8.getHeapStatistics().used_heap_size;
      over = lastUsedBytes > budget;
    }
  }
  return over;
}

function startTimer(): void {
  if (timer) return;
  timer = setInterval(() => {
    countdown = 0;
  }, SAMPLE_INTERVAL_MS);
  timer.unref();
}

/**
 * The collector, when the process can reach it: `gc` when node runs with `--expose-gc`, else one taken from a
 * fresh context created while the flag is briefly on. Null when neither works.
 */
function collector(): (() => void) | null {
  if (collect !== undefined) return collect;
  const exposed = (globalThis as { gc?: unknown }).gc;
  if (typeof exposed === 'function') return (collect = exposed as () => void);
  try {
    v8.setFlagsFromString('--expose-gc');
    const fn: unknown = vm.runInNewContext('gc');
    collect = typeof fn === 'function' ? (fn as () => void) : null;
  } catch {
    collect = null;
  } finally {
    v8.setFlagsFromString('--no-expose-gc');
  }
  return collect;
}

function megabytes(bytes: number): number {
  return Math.round(bytes / (1024 * 1024));
}

import { isDocument, toNumber, type Document } from '../../bson/types.js';
import { mongoError } from '../../errors/index.js';
import type { Operation } from '../../engine/operation.js';

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A configured fail point: mongod's `configureFailPoint` with mode alwaysOn / {times: n} / {skip: n} / off. */
interface FailPointState {
  data: Document;
  remaining: number;
  skip: number;
}

export const KNOWN_FAIL_POINTS = new Set([
  'failCommand', 'failGetMoreAfterCursorCheckout', 'maxTimeAlwaysTimeOut', 'onPrimaryTransactionalWrite',
  // Index builds pause at these while they are set (IndexBuildPausePoint).
  'hangAfterStartingIndexBuild', 'hangIndexBuildBeforeCommit',
]);

/** How often a paused operation looks whether its fail point is still set, or it was killed. */
const PAUSE_POLL_MS = 5;

export class FailPoints {
  private readonly points = new Map<string, FailPointState>();
  /** How many times each fail point fired since the server started (mongod's timesEntered). */
  private readonly entered = new Map<string, number>();

  /** Applies a configureFailPoint command; returns the previous count as mongod does. */
  configure(name: string, mode: unknown, data: unknown): number {
    if (!KNOWN_FAIL_POINTS.has(name)) throw mongoError('FailPointSetFailed', `${name} not found`);
    const previous = this.points.get(name)?.remaining ?? 0;
    if (mode === 'off') {
      this.points.delete(name);
      return previous;
    }
    const state: FailPointState = { data: isDocument(data) ? data : {}, remaining: Infinity, skip: 0 };
    if (mode === 'alwaysOn') state.remaining = Infinity;
    else if (isDocument(mode) && mode.times !== undefined) state.remaining = toNumber(mode.times);
    else if (isDocument(mode) && mode.skip !== undefined) state.skip = toNumber(mode.skip);
    else if (isDocument(mode) && mode.activationProbability !== undefined) state.remaining = Infinity;
    else throw mongoError('BadValue', "'mode' must be one of 'off', 'alwaysOn', 'times', and 'skip'");
    if (state.remaining <= 0) this.points.delete(name);
    else this.points.set(name, state);
    return previous;
  }

  /**
   * If fail point `name` is active and `applies(data)` says it concerns this command, consumes one activation and
   * returns its data.
   */
  trigger(name: string, applies: (data: Document) => boolean, counts = true): Document | null {
    const state = this.points.get(name);
    if (!state || !applies(state.data)) return null;
    if (state.skip > 0) {
      state.skip--;
      return null;
    }
    state.remaining--;
    if (state.remaining <= 0) this.points.delete(name);
    if (counts) this.entered.set(name, this.timesEntered(name) + 1);
    return state.data;
  }

  timesEntered(name: string): number {
    return this.entered.get(name) ?? 0;
  }

  /**
   * mongod's pauseWhileSet: while fail point `name` fires, waits, checking `op` so killOp and maxTimeMS still
   * interrupt the paused operation. One pause counts as one entry, however long it lasts.
   */
  async pauseWhileSet(name: string, op: Operation): Promise<void> {
    for (let first = true; this.trigger(name, () => true, first); first = false) {
      await sleep(PAUSE_POLL_MS);
      op.check();
    }
  }

  clear(): void {
    this.points.clear();
  }
}

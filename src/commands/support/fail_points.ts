import { isDocument, toNumber, type Document } from '../../bson/types.js';
import { mongoError } from '../../errors/index.js';

/** A configured fail point: mongod's `configureFailPoint` with mode alwaysOn / {times: n} / {skip: n} / off. */
interface FailPointState {
  data: Document;
  remaining: number;
  skip: number;
}

export const KNOWN_FAIL_POINTS = new Set(['failCommand', 'failGetMoreAfterCursorCheckout', 'maxTimeAlwaysTimeOut', 'onPrimaryTransactionalWrite']);

export class FailPoints {
  private readonly points = new Map<string, FailPointState>();

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
  trigger(name: string, applies: (data: Document) => boolean): Document | null {
    const state = this.points.get(name);
    if (!state || !applies(state.data)) return null;
    if (state.skip > 0) {
      state.skip--;
      return null;
    }
    state.remaining--;
    if (state.remaining <= 0) this.points.delete(name);
    return state.data;
  }

  clear(): void {
    this.points.clear();
  }
}

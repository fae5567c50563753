/**
 * The progress line of `eddydb watch` on a terminal's stderr: events seen, events per second since the last
 * redraw, and the lag of the last event (when it was received, minus the wall time of its commit). Redrawn in
 * place once a second; `clear` takes it off the line before an event is printed on the same terminal.
 */
import { Timestamp, type Document } from 'mongodb';

export class WatchProgress {
  private seen = 0;
  private seenAtLastDraw = 0;
  private lagMs: number | undefined;
  private lastDraw: number;
  private timer: NodeJS.Timeout | undefined;
  private shown = false;

  constructor(
    private readonly write: (text: string) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.lastDraw = now();
  }

  /** Redraws once a second until `stop`. */
  start(): void {
    this.timer = setInterval(() => this.draw(), 1000);
    this.timer.unref();
  }

  /** Counts an event; its lag is taken from its wallTime (ms) or, without one, its clusterTime (seconds). */
  event(event: Document): void {
    this.seen++;
    const committed = commitTimeMs(event);
    if (committed !== undefined) this.lagMs = Math.max(0, this.now() - committed);
  }

  /** The server had nothing more to send: the watcher is level with it, whenever its last event was. */
  caughtUp(): void {
    if (this.lagMs !== undefined) this.lagMs = 0;
  }

  /** The line as drawn now: counts since the previous draw. */
  draw(): void {
    const now = this.now();
    const seconds = Math.max((now - this.lastDraw) / 1000, 0.001);
    const rate = (this.seen - this.seenAtLastDraw) / seconds;
    this.seenAtLastDraw = this.seen;
    this.lastDraw = now;
    const lag = this.lagMs === undefined ? '-' : `${(this.lagMs / 1000).toFixed(1)} s`;
    this.write(`\r\x1b[K${this.seen} events, ${rate.toFixed(rate < 10 ? 1 : 0)}/s, lag ${lag}`);
    this.shown = true;
  }

  /** Erases the line, so that a line printed on the same terminal starts at its left edge. */
  clear(): void {
    if (!this.shown) return;
    this.write('\r\x1b[K');
    this.shown = false;
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.clear();
  }
}

function commitTimeMs(event: Document): number | undefined {
  if (event.wallTime instanceof Date) return event.wallTime.getTime();
  if (event.clusterTime instanceof Timestamp) return event.clusterTime.t * 1000;
  return undefined;
}

/**
 * The progress line of `eddydb watch` on a terminal's stderr: events seen, events per second over the last
 * second, and the lag of the last event (now minus the wall time of its commit). Redrawn in place once a second.
 */
import { Timestamp, type Document } from 'mongodb';

export class WatchProgress {
  private seen = 0;
  private seenAtLastDraw = 0;
  private lagMs: number | undefined;
  private lastDraw = Date.now();
  private readonly timer: NodeJS.Timeout;
  private drawn = false;

  constructor(private readonly write: (text: string) => void) {
    this.timer = setInterval(() => this.draw(), 1000);
    this.timer.unref();
  }

  /** Counts an event; its lag is taken from its wallTime (ms) or, without one, its clusterTime (seconds). */
  event(event: Document): void {
    this.seen++;
    const committed = commitTimeMs(event);
    if (committed !== undefined) this.lagMs = Math.max(0, Date.now() - committed);
  }

  private draw(): void {
    const now = Date.now();
    const seconds = Math.max((now - this.lastDraw) / 1000, 0.001);
    const rate = (this.seen - this.seenAtLastDraw) / seconds;
    this.seenAtLastDraw = this.seen;
    this.lastDraw = now;
    const lag = this.lagMs === undefined ? '-' : `${(this.lagMs / 1000).toFixed(1)} s`;
    this.write(`\r\x1b[K${this.seen} events, ${rate.toFixed(rate < 10 ? 1 : 0)}/s, lag ${lag}`);
    this.drawn = true;
  }

  /** Stops redrawing and ends the line, so what follows on the terminal starts on a line of its own. */
  stop(): void {
    clearInterval(this.timer);
    if (this.drawn) this.write('\n');
  }
}

function commitTimeMs(event: Document): number | undefined {
  if (event.wallTime instanceof Date) return event.wallTime.getTime();
  if (event.clusterTime instanceof Timestamp) return event.clusterTime.t * 1000;
  return undefined;
}

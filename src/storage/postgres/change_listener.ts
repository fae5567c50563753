/**
 * How a server hears that another server committed change entries: a connection of its own that LISTENs on the
 * schema's channel (every commit that logs entries NOTIFYs it with its last time, postgres_storage.ts), and a poll
 * every POLL_MS for whatever a lost notification or a broken listening connection missed. Either one calls `wake`;
 * the storage then reads the change table past its tail's position in its next queue turn.
 */
import pg from 'pg';
import type { StorageEventLog } from '../types.js';
import { connectWritable } from './hosts.js';

/** How often the storage looks at the change table when nothing woke it and nothing listens. */
export const POLL_MS = 100;

/** While the listening connection is up, the poll only covers a lost notification: every this many POLL_MS. */
const LISTENING_POLL_TICKS = 10;

/** How long opening the listening connection may take. */
const CONNECT_TIMEOUT_MS = 10_000;

export class ChangeListener {
  private client: pg.Client | null = null;
  private connecting = false;
  private closed = false;
  private ticks = 0;
  /** True after a failed attempt to listen was logged, until one succeeds: one line per outage, not per poll. */
  private complained = false;
  private readonly timer: NodeJS.Timeout;

  /**
   * `wake(ts)`: a commit up to `ts` was announced (null: the poll, nothing announced). Called outside any queue turn;
   * it must not throw.
   */
  constructor(
    private readonly uri: string,
    private readonly channel: string,
    private readonly wake: (ts: bigint | null) => void,
    private readonly log: StorageEventLog | undefined,
  ) {
    this.timer = setInterval(() => this.poll(), POLL_MS);
    // The poll alone must not keep a process alive that has nothing else to do.
    this.timer.unref();
    void this.connect();
  }

  private poll(): void {
    if (this.closed) return;
    this.ticks++;
    if (this.client === null || this.ticks % LISTENING_POLL_TICKS === 0) this.wake(null);
    if (this.client === null && !this.connecting) void this.connect();
  }

  /** Opens the listening connection; on failure the poll tries again at its next turn. */
  private async connect(): Promise<void> {
    this.connecting = true;
    let client: pg.Client;
    try {
      client = await connectWritable(this.uri, { connectionTimeoutMillis: CONNECT_TIMEOUT_MS, keepAlive: true, application_name: 'eddydb listener' });
    } catch (err) {
      this.connecting = false;
      this.complain(err);
      return;
    }
    const lost = () => {
      if (this.client !== client) return;
      this.client = null;
      client.end().catch(() => undefined);
    };
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', (message) => {
      let ts: bigint | null = null;
      try {
        ts = message.payload ? BigInt(message.payload) : null;
      } catch {
        // Not one of ours: wake up all the same, reading costs one statement.
      }
      this.wake(ts);
    });
    try {
      await client.query(`LISTEN ${this.channel}`);
      if (this.closed) {
        await client.end().catch(() => undefined);
        return;
      }
      this.client = client;
      this.complained = false;
      // Whatever committed before LISTEN took effect was not announced.
      this.wake(null);
    } catch (err) {
      await client.end().catch(() => undefined);
      this.complain(err);
    } finally {
      this.connecting = false;
    }
  }

  /** Logs a failure to listen, once per outage rather than once per poll. */
  private complain(err: unknown): void {
    if (this.complained) return;
    this.complained = true;
    this.log?.({ msg: 'Could not listen for other servers\' changes; polling', component: 'STORAGE', attr: { error: (err as Error).message } });
  }

  /** Stops listening and polling. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }
}

/**
 * The reading side of the crash test: a change stream that logs every event it receives and survives the server
 * being killed. The driver resumes by itself after a resumable error; when that resume fails too (the server was
 * still down, or went down again before the new aggregate), the watcher opens a new stream with
 * `resumeAfter` = the last token the old one held. Both paths are counted.
 */
import assert from 'node:assert/strict';
import { Timestamp, type ChangeStream, type ChangeStreamDocument, type Document, type MongoClient, type ResumeToken } from 'mongodb';
import { truthEvent, type TruthEvent } from './checks.js';
import { sleep, started, type Stream } from '../driver/harness.js';

/** One event as a watcher logged it. */
export interface LoggedEvent {
  /** The resume token's `_data` (hex; sorts in commit order). */
  token: string;
  operationType: string;
  /** "db.coll" */
  ns: string;
  id: unknown;
  /** "seconds:increment" */
  clusterTime: string;
}

/** Opens the stream; `resumeAfter` is set when reopening after a failed resume. */
export type OpenStream = (resumeAfter?: ResumeToken) => ChangeStream<Document, ChangeStreamDocument<Document>>;

/** The fields every check needs from a driver change event. */
export function logged(change: ChangeStreamDocument<Document> | Document): LoggedEvent {
  const c = change as Document;
  const time = c.clusterTime as { high: number; low: number } | undefined;
  return {
    token: (c._id as { _data: string })._data,
    operationType: c.operationType as string,
    ns: c.ns ? `${c.ns.db}.${c.ns.coll}` : '',
    id: (c.documentKey as Document | undefined)?._id,
    clusterTime: time ? `${time.high >>> 0}:${time.low >>> 0}` : '',
  };
}

export class Watcher {
  readonly events: LoggedEvent[] = [];
  /** The stream's postBatchResumeToken when it opened: the events after it are the ones it must see. */
  startToken = '';
  /** Reopens with resumeAfter after the driver's own resume gave up, and the errors that caused them. */
  readonly reopens: string[] = [];
  /** aggregate commands the driver sent on its own to resume (not the first open, not our reopens). */
  driverResumes = 0;
  private opening = true;
  private stream: Stream | undefined;
  private stopping = false;
  private halted = false;
  private loop: Promise<void> | undefined;
  private failure: unknown;

  constructor(
    readonly name: string,
    client: MongoClient,
    private readonly open: OpenStream,
    private readonly reopenTimeoutMs: number,
    /** Pause `ms` after every `every` events: a consumer slower than the writers, so it resumes from far behind. */
    private readonly slow?: { every: number; ms: number },
  ) {
    client.on('commandStarted', (event) => {
      if (event.commandName === 'aggregate' && !this.opening) this.driverResumes++;
    });
  }

  /** Opens the stream (its aggregate has run when this resolves) and starts reading. */
  async start(): Promise<void> {
    const stream = await started(this.open());
    this.stream = stream;
    this.startToken = (stream.resumeToken as { _data: string })._data;
    this.opening = false;
    this.loop = this.run().catch((err: unknown) => {
      this.failure = err;
    });
  }

  /** The token of the last event logged, or the start token. */
  get lastToken(): string {
    return this.events.at(-1)?.token ?? this.startToken;
  }

  /** True once the reading loop ended by itself (a reopen that kept failing); stop() then rethrows why. */
  get failed(): boolean {
    return this.failure !== undefined;
  }

  /** Stops at once without waiting (test cleanup after a failure). */
  halt(): void {
    this.stopping = true;
    this.halted = true;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
    await this.stream?.close().catch(() => undefined);
    if (this.failure !== undefined) throw this.failure;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        const change = await this.stream!.tryNext();
        if (change) {
          this.events.push(logged(change));
          if (this.slow && this.events.length % this.slow.every === 0) await sleep(this.slow.ms);
        }
      } catch (err) {
        await this.reopen(err);
      }
    }
  }

  private async reopen(cause: unknown): Promise<void> {
    const old = this.stream!;
    // The driver's cached token: the last event's _id, or the postBatchResumeToken of a batch it used up.
    const token = old.resumeToken;
    if (!token) throw new Error(`${this.name}: stream failed without a resume token`, { cause });
    await old.close().catch(() => undefined);
    this.reopens.push(`${(cause as Error).name}: ${(cause as Error).message}`);
    const deadline = Date.now() + this.reopenTimeoutMs;
    this.opening = true;
    for (;;) {
      const next = this.open(token);
      try {
        this.stream = await started(next);
        this.opening = false;
        return;
      } catch (err) {
        await next.close().catch(() => undefined);
        if (this.halted || Date.now() > deadline) throw new Error(`${this.name}: could not reopen the stream`, { cause: err });
        await sleep(50);
      }
    }
  }
}

/** Reads a cluster stream from the very beginning until `last` matches an event: the committed changes in order. */
export async function readTruth(client: MongoClient, last: (e: TruthEvent) => boolean): Promise<TruthEvent[]> {
  const stream = client.watch([], { startAtOperationTime: new Timestamp({ t: 1, i: 0 }), batchSize: 1000, maxAwaitTimeMS: 100 });
  const out: TruthEvent[] = [];
  const deadline = Date.now() + 60_000;
  try {
    for (;;) {
      assert.ok(Date.now() < deadline, `the truth stream did not reach its end marker (${out.length} events read)`);
      const change = await stream.tryNext();
      if (!change) continue;
      const event = truthEvent(change);
      out.push(event);
      if (last(event)) return out;
    }
  } finally {
    await stream.close();
  }
}

/**
 * Waits until each watcher has logged the last event of the truth in its scope (`inScope[i]` for `watchers[i]`), or
 * failed, or `timeoutMs` passed; then stops them all. The verdicts tell a watcher that fell short.
 */
export async function catchUpAndStop(watchers: Watcher[], truth: TruthEvent[], inScope: ((ns: string) => boolean)[], timeoutMs: number): Promise<void> {
  for (const [i, w] of watchers.entries()) {
    const last = truth.filter((e) => inScope[i]!(e.ns) && e.token > w.startToken).at(-1)?.token ?? w.startToken;
    const deadline = Date.now() + timeoutMs;
    while (w.lastToken < last && !w.failed && Date.now() < deadline) await sleep(20);
  }
  for (const w of watchers) await w.stop();
}

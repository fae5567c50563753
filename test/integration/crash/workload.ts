/**
 * The writing side of the crash test: writers that each own a disjoint set of documents (so the order of the writes
 * to one `_id` is the order one writer issued them) and log every write with its outcome. Every value a write stores
 * carries a unique tag `w`, so a write can be recognised in the data and in its change event.
 */
import {
  MongoServerError,
  MongoServerSelectionError,
  type Document,
  type MongoClient,
} from 'mongodb';
import { sleep } from '../driver/harness.js';
import { prng } from '../../helpers/random.js';
export { prng };

/** The namespaces the writers use: two in database crash_a (one is the collection watcher's), one in crash_b. */
export const NAMESPACES = ['crash_a.orders', 'crash_a.items', 'crash_b.orders'] as const;

export type OpKind = 'insert' | 'update' | 'replace' | 'delete';

/**
 * acked: the server replied with success (the write committed exactly once, retryWrites is off);
 * failed: the server replied with an error (but HostUnreachable), or the driver never sent the command (server
 *   selection failed);
 * unknown: the connection broke with the command possibly sent (the server was killed or shut down meanwhile), or
 *   the server lost its storage (HostUnreachable) with the commit possibly sent.
 */
export type Outcome = 'acked' | 'failed' | 'unknown';

/** One write as its writer issued it, and what became of it. */
export interface WriteRecord {
  writer: number;
  /** Position in the writer's own sequence. */
  seq: number;
  ns: string;
  id: string;
  kind: OpKind;
  /** The tag the write stores in field `w` (a delete stores nothing but has a tag too, for messages). */
  w: string;
  /** insert/replace: the whole document (without _id for replace); update: the update document. */
  value?: Document;
  outcome: Outcome;
  /** acked: matchedCount (update/replace), deletedCount (delete), 1 for insert. */
  n?: number;
  /** acked update/replace: modifiedCount. */
  modified?: number;
  error?: string;
  errorCode?: number;
  /** Unknown outcome: the document read back once the server was reachable again (null: absent). */
  readBack?: Document | null;
}

/** `ns` + `_id`, the unit the checks reason about. */
export function keyOf(ns: string, id: unknown): string {
  return `${ns}/${String(id)}`;
}

/**
 * What the outcome of a failed driver call means: see Outcome. HostUnreachable is the server's own "unknown": its
 * storage (PostgreSQL) went away, possibly after the commit was sent.
 */
export function classify(err: unknown): Exclude<Outcome, 'acked'> {
  if (err instanceof MongoServerError && err.code === HOST_UNREACHABLE) return 'unknown';
  if (err instanceof MongoServerError || err instanceof MongoServerSelectionError) return 'failed';
  return 'unknown';
}

const HOST_UNREACHABLE = 6;

export interface WriterOptions {
  /** Documents per namespace this writer owns. */
  idsPerNamespace: number;
  /** How long a read-back after an unknown outcome may keep failing before the writer gives up. */
  readBackTimeoutMs: number;
}

/**
 * Writes continuously until `stop()`: picks one of its documents at random and, by what it believes the document's
 * state is, inserts it, updates it ($inc and $set), replaces it or deletes it. After an unknown outcome it reads the
 * document back (waiting for the server) so that its belief, and the check of that write, rest on the data.
 */
export class Writer {
  readonly log: WriteRecord[] = [];
  acked = 0;
  private readonly present = new Map<string, boolean>();
  private stopping = false;
  private halted = false;
  private loop: Promise<void> | undefined;
  private failure: unknown;

  constructor(
    readonly index: number,
    private readonly client: MongoClient,
    private readonly random: () => number,
    private readonly options: WriterOptions,
  ) {}

  start(): void {
    this.loop = this.run().catch((err: unknown) => {
      this.failure = err;
    });
  }

  /** Stops at once without waiting (test cleanup after a failure): no new write, a pending read-back gives up. */
  halt(): void {
    this.stopping = true;
    this.halted = true;
  }

  /** Lets the write in flight finish (and its read-back), then resolves; rethrows what ended the loop early. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
    if (this.failure !== undefined) throw this.failure;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      const ns = NAMESPACES[Math.floor(this.random() * NAMESPACES.length)]!;
      const id = `w${this.index}-${Math.floor(this.random() * this.options.idsPerNamespace)}`;
      const key = keyOf(ns, id);
      const record = this.plan(ns, id, this.present.get(key) ?? false);
      this.log.push(record);
      await this.execute(record);
      if (record.outcome === 'unknown') {
        record.readBack = await this.readBack(ns, id);
        this.present.set(key, record.readBack !== null);
      } else if (record.outcome === 'acked') {
        this.acked++;
        this.present.set(key, record.kind === 'delete' ? false : record.kind === 'insert' || record.n === 1);
      } else if (record.errorCode === 11000) {
        this.present.set(key, true);
      }
    }
  }

  /** The next write to `ns`/`id`; mostly what fits the believed state, sometimes a write that cannot apply. */
  private plan(ns: string, id: string, present: boolean): WriteRecord {
    const seq = this.log.length;
    const w = `${this.index}:${seq}`;
    const r = this.random();
    let kind: OpKind;
    if (!present) kind = r < 0.9 ? 'insert' : r < 0.95 ? 'update' : 'delete';
    else kind = r < 0.55 ? 'update' : r < 0.75 ? 'replace' : r < 0.96 ? 'delete' : 'insert';
    const k = Math.floor(this.random() * 1000);
    const record: WriteRecord = { writer: this.index, seq, ns, id, kind, w, outcome: 'unknown' };
    if (kind === 'insert') record.value = { _id: id, w, n: k, sub: { k, tag: 'inserted' } };
    else if (kind === 'update') record.value = { $inc: { n: 1 + (k % 7) }, $set: { w, 'sub.k': k } };
    else if (kind === 'replace') record.value = { w, n: k, replaced: true };
    return record;
  }

  private async execute(record: WriteRecord): Promise<void> {
    const [db, coll] = splitNs(record.ns);
    const collection = this.client.db(db).collection<CrashDoc>(coll);
    try {
      switch (record.kind) {
        case 'insert':
          await collection.insertOne({ ...(record.value as CrashDoc) });
          record.n = 1;
          break;
        case 'update': {
          const res = await collection.updateOne({ _id: record.id }, record.value!);
          record.n = res.matchedCount;
          record.modified = res.modifiedCount;
          break;
        }
        case 'replace': {
          const res = await collection.replaceOne({ _id: record.id }, { ...record.value! });
          record.n = res.matchedCount;
          record.modified = res.modifiedCount;
          break;
        }
        case 'delete':
          record.n = (await collection.deleteOne({ _id: record.id })).deletedCount;
          break;
      }
      record.outcome = 'acked';
    } catch (err) {
      record.outcome = classify(err);
      record.error = `${(err as Error).name}: ${(err as Error).message}`;
      if (typeof (err as { code?: unknown }).code === 'number') record.errorCode = (err as { code: number }).code;
    }
  }

  /** The document as the (restarted) server has it; retries while the server is away. */
  private async readBack(ns: string, id: string): Promise<Document | null> {
    const [db, coll] = splitNs(ns);
    const deadline = Date.now() + this.options.readBackTimeoutMs;
    for (;;) {
      try {
        return await this.client.db(db).collection<CrashDoc>(coll).findOne({ _id: id });
      } catch (err) {
        if (this.halted || Date.now() > deadline) throw new Error(`writer ${this.index}: reading back ${ns} ${id} kept failing`, { cause: err });
        await sleep(50);
      }
    }
  }
}

/** The documents the writers own: string ids. */
export type CrashDoc = { _id: string; [field: string]: unknown };

export function splitNs(ns: string): [string, string] {
  const dot = ns.indexOf('.');
  return [ns.slice(0, dot), ns.slice(dot + 1)];
}

/** Every document of the workload's namespaces as `reader` finds them, by keyOf. */
export async function finalDocuments(reader: MongoClient): Promise<Map<string, Document>> {
  const docs = new Map<string, Document>();
  for (const ns of NAMESPACES) {
    const [db, coll] = splitNs(ns);
    for (const doc of await reader.db(db).collection(coll).find({}).toArray()) docs.set(keyOf(ns, doc._id), doc);
  }
  return docs;
}

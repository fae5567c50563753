import { BatchQueue } from './batch_queue.js';
import { Long } from '../bson/index.js';
import type { Document } from '../bson/types.js';
import type { ClientSession } from './session.js';

/** What a cursor needs from its client: run a command, as a driver would over the wire. */
export interface CommandRunner {
  runCommand(db: string, command: Document, session?: ClientSession): Promise<Document>;
}

interface CursorReply {
  id: unknown;
  ns: string;
  firstBatch?: Document[];
  nextBatch?: Document[];
}

/**
 * A driver-style cursor over a command that returns `{cursor: {id, ns, firstBatch}}`, paging with getMore and
 * killing the server cursor on close. `toArray()`, `next()`, `hasNext()`, `tryNext()` and `for await` work as in the
 * Node driver.
 */
export abstract class AbstractCursor<T = Document> implements AsyncIterable<T> {
  private buffer = new BatchQueue<T>();
  private cursorId: Long | null = null;
  private ns = '';
  private started = false;
  private done = false;
  protected batchSizeValue: number | undefined;

  protected constructor(protected readonly runner: CommandRunner, protected readonly dbName: string, protected readonly session?: ClientSession) {}

  /** The command that opens the cursor. */
  protected abstract initialCommand(): Document;

  protected transform(doc: Document): T {
    return doc as T;
  }

  batchSize(n: number): this {
    this.batchSizeValue = n;
    return this;
  }

  get closed(): boolean {
    return this.done && this.buffer.length === 0;
  }

  private absorb(reply: CursorReply): void {
    const batch = reply.firstBatch ?? reply.nextBatch ?? [];
    this.buffer.push(batch.map((doc) => this.transform(doc)));
    this.ns = reply.ns;
    const id = reply.id;
    const n = typeof id === 'number' ? id : id instanceof Long ? id.toNumber() : Number(id);
    if (n === 0) {
      this.cursorId = null;
      this.done = true;
    } else {
      this.cursorId = id instanceof Long ? id : Long.fromNumber(n);
    }
  }

  private async fetch(): Promise<void> {
    if (!this.started) {
      this.started = true;
      const reply = await this.runner.runCommand(this.dbName, this.initialCommand(), this.session);
      this.absorb(reply.cursor as CursorReply);
      return;
    }
    if (this.done || !this.cursorId) return;
    const coll = this.ns.slice(this.ns.indexOf('.') + 1);
    const command: Document = { getMore: this.cursorId, collection: coll };
    if (this.batchSizeValue) command.batchSize = this.batchSizeValue;
    const reply = await this.runner.runCommand(this.dbName, command, this.session);
    this.absorb(reply.cursor as CursorReply);
  }

  async hasNext(): Promise<boolean> {
    while (this.buffer.length === 0 && !(this.started && this.done)) await this.fetch();
    return this.buffer.length > 0;
  }

  async next(): Promise<T | null> {
    return (await this.hasNext()) ? this.buffer.shift()! : null;
  }

  async tryNext(): Promise<T | null> {
    return this.next();
  }

  async toArray(): Promise<T[]> {
    const out: T[] = [];
    while (await this.hasNext()) while (this.buffer.length > 0) out.push(this.buffer.shift()!);
    return out;
  }

  async close(): Promise<void> {
    this.buffer.clear();
    if (this.cursorId && !this.done) {
      const coll = this.ns.slice(this.ns.indexOf('.') + 1);
      this.done = true;
      await this.runner.runCommand(this.dbName, { killCursors: coll, cursors: [this.cursorId] }, this.session).catch(() => undefined);
    }
    this.done = true;
    this.started = true;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    try {
      for (;;) {
        const doc = await this.next();
        if (doc === null) return;
        yield doc;
      }
    } finally {
      await this.close();
    }
  }
}

export class FindCursor<T = Document> extends AbstractCursor<T> {
  private spec: Document;

  constructor(runner: CommandRunner, db: string, private readonly coll: string, filter: Document, options: Document, session?: ClientSession) {
    super(runner, db, session);
    this.spec = { filter, ...options };
  }

  protected initialCommand(): Document {
    const cmd: Document = { find: this.coll, ...this.spec };
    if (this.batchSizeValue !== undefined) cmd.batchSize = this.batchSizeValue;
    return cmd;
  }

  filter(filter: Document): this {
    return this.option('filter', filter);
  }

  sort(sort: Document | string, direction?: 1 | -1): this {
    return this.option('sort', typeof sort === 'string' ? { [sort]: direction ?? 1 } : sort);
  }

  project(projection: Document): this {
    return this.option('projection', projection);
  }

  skip(n: number): this {
    return this.option('skip', n);
  }

  limit(n: number): this {
    return this.option('limit', n);
  }

  collation(collation: Document): this {
    return this.option('collation', collation);
  }

  /** The index to read: its name or key pattern, or `{$natural: 1 | -1}` for a collection scan. */
  hint(hint: string | Document): this {
    return this.option('hint', hint);
  }

  /** The lowest index key to read (inclusive), on the hinted index. */
  min(min: Document): this {
    return this.option('min', min);
  }

  /** The index key to stop before, on the hinted index. */
  max(max: Document): this {
    return this.option('max', max);
  }

  /** How the server would run this find (`queryPlanner`), or ran it (`executionStats`, `allPlansExecution`). */
  async explain(verbosity: 'queryPlanner' | 'executionStats' | 'allPlansExecution' | boolean = true): Promise<Document> {
    const level = verbosity === true ? 'allPlansExecution' : verbosity === false ? 'queryPlanner' : verbosity;
    return this.runner.runCommand(this.dbName, { explain: { find: this.coll, ...this.spec }, verbosity: level }, this.session);
  }

  /** The builder methods set one field of the find command and return the cursor for chaining, as the driver's do. */
  private option(field: string, value: unknown): this {
    this.spec[field] = value;
    return this;
  }
}

export class CommandCursor<T = Document> extends AbstractCursor<T> {
  constructor(runner: CommandRunner, db: string, private readonly command: Document, session?: ClientSession) {
    super(runner, db, session);
  }

  protected initialCommand(): Document {
    const cmd = { ...this.command };
    if (this.batchSizeValue !== undefined && cmd.cursor !== undefined) cmd.cursor = { batchSize: this.batchSizeValue };
    return cmd;
  }
}

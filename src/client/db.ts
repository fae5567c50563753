import type { Document } from '../bson/types.js';
import type { Client } from './client.js';
import { Collection } from './collection.js';
import { CommandCursor } from './cursor.js';
import { DatabaseChangeStream, type ChangeStreamDocument, type ChangeStreamOptions } from './change_stream.js';
import type { ClientSession } from './session.js';

export interface SessionOption {
  session?: ClientSession;
}

/** A database, as the Node driver's `Db`. */
export class Db {
  constructor(readonly client: Client, readonly databaseName: string) {}

  collection<T extends Document = Document>(name: string): Collection<T> {
    return new Collection<T>(this, name);
  }

  /** Runs a command on this database and returns its reply. */
  command(command: Document, options: SessionOption = {}): Promise<Document> {
    return this.client.runCommand(this.databaseName, command, options.session);
  }

  /** Creates a collection (options as the create command: changeStreamPreAndPostImages, viewOn, pipeline, ...). */
  async createCollection<T extends Document = Document>(name: string, options: Document & SessionOption = {}): Promise<Collection<T>> {
    const { session, ...rest } = options;
    await this.command({ create: name, ...rest }, { session: session as ClientSession | undefined });
    return this.collection<T>(name);
  }

  async dropCollection(name: string, options: SessionOption = {}): Promise<boolean> {
    await this.command({ drop: name }, options);
    return true;
  }

  async dropDatabase(options: SessionOption = {}): Promise<boolean> {
    await this.command({ dropDatabase: 1 }, options);
    return true;
  }

  async renameCollection(from: string, to: string, options: { dropTarget?: boolean } & SessionOption = {}): Promise<Collection> {
    await this.client.runCommand('admin', { renameCollection: `${this.databaseName}.${from}`, to: `${this.databaseName}.${to}`, dropTarget: options.dropTarget ?? false }, options.session);
    return this.collection(to);
  }

  /** A cursor over the collection infos (`{name, type, options, info, idIndex}`). */
  listCollections(filter: Document = {}, options: { nameOnly?: boolean; batchSize?: number } & SessionOption = {}): CommandCursor {
    const cmd: Document = { listCollections: 1, filter, cursor: {} };
    if (options.nameOnly !== undefined) cmd.nameOnly = options.nameOnly;
    return new CommandCursor(this.client, this.databaseName, cmd, options.session);
  }

  async collections(): Promise<Collection[]> {
    const infos = await this.listCollections({}, { nameOnly: true }).toArray();
    return infos.filter((i) => i.type === 'collection').map((i) => this.collection(String(i.name)));
  }

  aggregate(pipeline: Document[] = [], options: { batchSize?: number } & SessionOption = {}): CommandCursor {
    return new CommandCursor(this.client, this.databaseName, { aggregate: 1, pipeline, cursor: options.batchSize ? { batchSize: options.batchSize } : {} }, options.session);
  }

  /** Watches every collection of this database but system ones. */
  watch<TChange extends Document = ChangeStreamDocument>(pipeline: Document[] = [], options: ChangeStreamOptions = {}): DatabaseChangeStream<TChange> {
    return new DatabaseChangeStream<TChange>(this.client, { kind: 'database', db: this.databaseName }, pipeline, options, this.client.startAt());
  }

  admin(): Admin {
    return new Admin(this.client);
  }
}

/** The admin helpers of the Node driver's `Admin`. */
export class Admin {
  constructor(private readonly client: Client) {}

  command(command: Document, options: SessionOption = {}): Promise<Document> {
    return this.client.runCommand('admin', command, options.session);
  }

  listDatabases(options: { nameOnly?: boolean; filter?: Document } = {}): Promise<Document> {
    return this.command({ listDatabases: 1, ...options });
  }

  ping(): Promise<Document> {
    return this.command({ ping: 1 });
  }

  buildInfo(): Promise<Document> {
    return this.command({ buildInfo: 1 });
  }

  serverStatus(): Promise<Document> {
    return this.command({ serverStatus: 1 });
  }
}

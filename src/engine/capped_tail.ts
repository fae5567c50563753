import type { Document } from '../bson/types.js';
import { mongoError } from '../errors/index.js';
import { isCrudEntry, type StreamInterest } from '../oplog/interest.js';
import { getCollectionInfo, type CollectionInfo } from './catalog.js';
import { decodeStoredDocument } from './documents.js';
import type { Engine } from './engine.js';
import { lastPosition, readNaturalAfter, type NaturalPosition } from './natural_source.js';
import type { TailSource } from './tailable_cursor.js';

/**
 * A capped collection read in insertion order for a tailable cursor. Its position is the last document read; when
 * the capping deletes it, the next read is CappedPositionLost, as in mongod. A collection dropped (or dropped and
 * created again) under the cursor ends it with QueryPlanKilled.
 */
export class CappedTail implements TailSource {
  private from: NaturalPosition | null = null;
  readonly interest: StreamInterest;

  constructor(private readonly engine: Engine, private readonly info: CollectionInfo) {
    // Inserts bring documents; a drop or rename (not CRUD) must wake the cursor to end it.
    this.interest = { db: info.db, coll: info.name, accepts: (entry) => entry.op === 'insert' || !isCrudEntry(entry) };
  }

  get started(): boolean {
    return this.from !== null;
  }

  async next(limit: number): Promise<Document[]> {
    const { info } = this;
    const from = this.from;
    const rows = await this.engine.read(async (reader) => {
      const now = await getCollectionInfo(reader, info.db, info.name);
      if (!now || now.uuid !== info.uuid) {
        throw mongoError('QueryPlanKilled', `collection dropped. UUID ${info.uuid}`);
      }
      return readNaturalAfter(reader, info, 1, from, limit);
    });
    this.engine.metrics.scannedObjects += rows.length;
    this.from = lastPosition(rows, from);
    return rows.map((row) => decodeStoredDocument(row.doc));
  }
}

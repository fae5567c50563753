/**
 * mongod's random-cursor path for `$sample` (https://www.mongodb.com/docs/manual/reference/operator/aggregation/sample/):
 * when `$sample` is the first stage, the collection holds more than 100 documents and the sample is under 5% of
 * them, documents are read at random positions instead of reading the whole collection and sorting it by a random
 * key. Here a random position is a natural position (record id) drawn between the first and the last, and the
 * document is the first at or after it; as with mongod's random cursor, a document after a run of deleted positions
 * is somewhat more likely than others. Repeats are dropped; 100 repeats in a row fail as mongod's stage does (28799).
 */
import type { Document } from '../bson/index.js';
import { MongoServerError } from '../errors/index.js';
import { chunksOf, type Chunks, type StreamControl } from '../query/pipeline/index.js';
import { toArray } from '../storage/scan.js';
import { getCollectionInfo, isView } from './catalog.js';
import { isCapped } from './natural_source.js';
import { decodeStoredDocument } from './documents.js';
import type { ReadFn } from './document_source.js';

/** mongod's thresholds: more than this many documents, and a sample under this share of them. */
const MIN_DOCUMENTS = 100;
const MAX_SHARE = 0.05;
const MAX_REPEATS = 100;

/**
 * The `size` documents of a random-cursor sample of `db.coll`, or null when mongod would not take this path (a
 * missing collection, a view, a capped collection, too few documents or too large a sample): the caller then samples
 * the whole input.
 */
export async function randomCursorSample(read: ReadFn, db: string, coll: string, size: number, control: StreamControl): Promise<Chunks | null> {
  const docs = await read(async (reader): Promise<Document[] | null> => {
    const info = await getCollectionInfo(reader, db, coll);
    if (!info || isView(info) || isCapped(info)) return null;
    const count = await reader.countDocuments({ coll: info.uuid });
    if (count <= MIN_DOCUMENTS || size >= count * MAX_SHARE) return null;
    const first = (await toArray(reader.scanNatural({ coll: info.uuid, limit: 1 })))[0];
    const last = (await toArray(reader.scanNatural({ coll: info.uuid, range: { reverse: true }, limit: 1 })))[0];
    if (!first || !last) return null;
    const span = last.position - first.position + 1;
    const seen = new Set<string>();
    const out: Document[] = [];
    let repeats = 0;
    while (out.length < size) {
      const at = first.position + Math.floor(Math.random() * span);
      const row = (await toArray(reader.scanNatural({ coll: info.uuid, after: at - 1, limit: 1 })))[0];
      const key = row ? Buffer.from(row.key).toString('hex') : null;
      if (row === undefined || seen.has(key!)) {
        if (++repeats > MAX_REPEATS) {
          throw new MongoServerError(28799, `$sample stage could not find a non-duplicate document after ${MAX_REPEATS} while using a random cursor. This is likely a sporadic failure, please try again.`);
        }
        continue;
      }
      repeats = 0;
      seen.add(key!);
      out.push(decodeStoredDocument(row.doc));
    }
    return out;
  });
  return docs && chunksOf(docs, control);
}

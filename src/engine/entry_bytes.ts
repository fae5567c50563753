import { appendDocumentField, firstField, serializeAnySize } from '../bson/index.js';
import { encodeEntry, type OplogEntry } from '../oplog/entry.js';

/**
 * The stored bytes of entries whose `fullDocument` is already encoded (an insert stores exactly those bytes), byte
 * for byte what `encodeEntry` gives, without encoding the document again. The common entry, an insert as write_ops
 * logs it, is assembled from pieces: its namespace fields are encoded once per collection, its documentKey is the
 * document's leading `_id` field. Anything else encodes its other fields and appends the document; and
 * `encodeEntry` itself when `fullDocument` is not the last field, where `encodeEntry` puts it.
 *
 * Each engine owns one, so the namespace fields it keeps are those of the collections that engine writes to.
 */
export class EntryEncoder {
  /** The encoded `op`, `db`, `coll` and `uuid` fields of insert entries, per namespace and collection. */
  private readonly namespaceFields = new Map<string, Buffer>();
  /** The last one asked for, which a run of inserts asks for again and again. */
  private last: { db: string; coll: string; uuid: string; fields: Buffer } | null = null;

  encodeWithDocument(entry: OplogEntry, fullDocument: Uint8Array): Uint8Array {
    const shape = entryShape(entry);
    if (shape === 'other') return encodeEntry(entry);
    const idField = shape === 'insert' ? firstField(fullDocument, '_id') : null;
    if (idField === null) {
      const { ts: _ts, fullDocument: _doc, ...head } = entry;
      return appendDocumentField(serializeAnySize(head), 'fullDocument', fullDocument);
    }
    return assembleInsert(entry, this.insertNamespaceFields(entry.db, entry.coll!, entry.uuid!), idField, fullDocument);
  }

  private insertNamespaceFields(db: string, coll: string, uuid: string): Buffer {
    const last = this.last;
    if (last !== null && last.uuid === uuid && last.db === db && last.coll === coll) return last.fields;
    const key = `${uuid}\0${db}\0${coll}`;
    let fields = this.namespaceFields.get(key);
    if (!fields) {
      fields = Buffer.concat([stringField('op', 'insert'), stringField('db', db), stringField('coll', coll), stringField('uuid', uuid)]);
      if (this.namespaceFields.size >= MAX_NAMESPACES) this.namespaceFields.clear();
      this.namespaceFields.set(key, fields);
    }
    this.last = { db, coll, uuid, fields };
    return fields;
  }
}

const INSERT_FIELDS = ['ts', 'wall', 'op', 'db', 'coll', 'uuid', 'documentKey', 'fullDocument'];

/** 'insert': exactly the fields write_ops logs for an insert, in its order; 'tail': fullDocument last; else 'other'. */
function entryShape(entry: OplogEntry): 'insert' | 'tail' | 'other' {
  let i = 0;
  let insert = true;
  let last: string | undefined;
  for (const key in entry) {
    if (insert && INSERT_FIELDS[i] !== key) insert = false;
    last = key;
    i++;
  }
  if (last !== 'fullDocument') return 'other';
  insert &&= i === INSERT_FIELDS.length && entry.op === 'insert' && entry.wall instanceof Date
    && typeof entry.db === 'string' && typeof entry.coll === 'string' && typeof entry.uuid === 'string';
  if (insert) {
    let keys = 0;
    for (const key in entry.documentKey) keys += key === '_id' ? 1 : 2;
    insert = keys === 1 && entry.documentKey!._id === entry.fullDocument!._id;
  }
  return insert ? 'insert' : 'tail';
}

const TYPE_STRING = 0x02;
const TYPE_DOCUMENT = 0x03;
const TYPE_DATE = 0x09;
const WALL = Buffer.from('wall\0');
const DOCUMENT_KEY = Buffer.from('documentKey\0');
const FULL_DOCUMENT = Buffer.from('fullDocument\0');

const MAX_NAMESPACES = 1024;

function stringField(name: string, value: string): Buffer {
  const length = Buffer.byteLength(value, 'utf8');
  const out = Buffer.allocUnsafe(1 + name.length + 1 + 4 + length + 1);
  let at = 0;
  out[at++] = TYPE_STRING;
  at += out.write(name, at, 'latin1');
  out[at++] = 0;
  out.writeInt32LE(length + 1, at);
  at += 4;
  at += out.write(value, at, 'utf8');
  out[at] = 0;
  return out;
}

function assembleInsert(entry: OplogEntry, namespace: Buffer, idField: Uint8Array, doc: Uint8Array): Buffer {
  const keySize = 4 + idField.byteLength + 1;
  const size = 4 + (1 + WALL.length + 8) + namespace.length + (1 + DOCUMENT_KEY.length + keySize) + (1 + FULL_DOCUMENT.length + doc.byteLength) + 1;
  const out = Buffer.allocUnsafe(size);
  out.writeInt32LE(size, 0);
  let at = 4;
  out[at++] = TYPE_DATE;
  out.set(WALL, at);
  at += WALL.length;
  // int64 milliseconds, little-endian, as two 32-bit halves (exact for any Date).
  const ms = entry.wall.getTime();
  const high = Math.floor(ms / 0x1_0000_0000);
  out.writeUInt32LE(ms - high * 0x1_0000_0000, at);
  out.writeInt32LE(high, at + 4);
  at += 8;
  out.set(namespace, at);
  at += namespace.length;
  out[at++] = TYPE_DOCUMENT;
  out.set(DOCUMENT_KEY, at);
  at += DOCUMENT_KEY.length;
  out.writeInt32LE(keySize, at);
  at += 4;
  out.set(idField, at);
  at += idField.byteLength;
  out[at++] = 0;
  out[at++] = TYPE_DOCUMENT;
  out.set(FULL_DOCUMENT, at);
  at += FULL_DOCUMENT.length;
  out.set(doc, at);
  out[size - 1] = 0;
  return out;
}

/**
 * Seeded property-based fuzzing of the real wire server with hostile and oversized input: random bytes,
 * mutated OP_MSG messages, commands with wrongly typed fields, deep nesting, invalid UTF-8 and huge arrays.
 * Every case must end with an error reply or a closed connection (never a hang), and after every batch the server
 * still serves a separate driver client and the protected collection holds exactly what well-formed writes wrote.
 *
 * The seed is printed; `EDDYDB_FUZZ_SEED=<n>` replays a run, `EDDYDB_FUZZ_CASE=<i>` runs only case i of it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Binary, BSON, BSONRegExp, BSONSymbol, Code, DBRef, Decimal128, Double, Int32, Long, MaxKey, MinKey, ObjectId, Timestamp,
  MongoServerError, type Collection, type Document, type MongoClient,
} from 'mongodb';
import type { RunningServer } from '../../../src/server/index.js';
import { clientFor, startInProcess } from '../driver/harness.js';
import { bodySection, bson, message, OP_MSG, OP_QUERY, opMsg, opMsgWithChecksum, RawSocket, sequenceSection, type Outcome } from '../driver/raw_wire.js';
import { prng } from '../../helpers/random.js';

const SAFE_DB = 'fuzz';
const SAFE_COLL = 'data';
/** Hostile traffic only names this database, so no accepted mutation can touch the protected data. */
const VICTIM_DB = 'fuzzvictim';
const VICTIM_COLL = 'v';
type Doc = { _id: string | number; [key: string]: unknown };
const BATCH = 50;
const BUDGET_MS = 12_000;
const MAX_CASES = 3000;

const SEED = process.env.EDDYDB_FUZZ_SEED !== undefined ? Number(process.env.EDDYDB_FUZZ_SEED) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
const ONLY_CASE = process.env.EDDYDB_FUZZ_CASE !== undefined ? Number(process.env.EDDYDB_FUZZ_CASE) : undefined;

/** mulberry32: small, fast, and good enough to drive a fuzzer reproducibly. */
class Rng {
  private readonly draw: () => number;
  constructor(seed: number) {
    this.draw = prng(seed);
  }
  next(): number {
    return this.draw();
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
}

/** The seed of case `i` of run `seed`, so each case replays alone. */
function caseSeed(seed: number, i: number): number {
  return (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(i + 1, 0xc2b2ae35)) >>> 0;
}

/** A random BSON value of any of the types, small documents and arrays included. */
function randomValue(rng: Rng, depth = 0): unknown {
  const kinds = depth > 2 ? 19 : 21;
  switch (rng.int(kinds)) {
    case 0: return new Double(rng.pick([0, -0, 1.5, -1e308, Infinity, -Infinity, NaN, 2 ** 53]));
    case 1: return rng.pick(['', 'x', 'v', '$set', 'a.b', '$', '\u0000'.slice(1), 'é', '🙂', 'x'.repeat(300)]);
    case 2: return new Binary(rng.bytes(rng.int(20)), rng.pick([0, 3, 4, 5, 6, 0x80]));
    case 3: return undefined;
    case 4: return new ObjectId();
    case 5: return rng.next() < 0.5;
    case 6: return new Date(rng.pick([0, -1, 8.64e15, Date.now()]));
    case 7: return null;
    case 8: return new BSONRegExp(rng.pick(['a', '(', '.*', '[']), rng.pick(['', 'i', 'imsx']));
    case 9: return new Code('function () { return 1; }');
    case 10: return new BSONSymbol('sym');
    case 11: return new Code('x', { a: 1 });
    case 12: return new Int32(rng.pick([0, -1, 1, 2147483647, -2147483648, 100]));
    case 13: return new Timestamp({ t: rng.int(2 ** 31), i: rng.int(100) });
    case 14: return rng.pick([Long.ZERO, Long.MAX_VALUE, Long.MIN_VALUE, Long.fromNumber(-5), Long.fromNumber(1)]);
    case 15: return Decimal128.fromString(rng.pick(['0', 'NaN', '-Infinity', '1E+6144', '-0.000001']));
    case 16: return new MinKey();
    case 17: return new MaxKey();
    case 18: return new DBRef('c', new ObjectId());
    case 19: {
      const doc: Document = {};
      const n = rng.int(3);
      for (let i = 0; i < n; i++) doc[rng.pick(['a', '$set', '$gt', '_id', 'x.y', ''])] = randomValue(rng, depth + 1);
      return doc;
    }
    default: {
      const n = rng.int(3);
      return Array.from({ length: n }, () => randomValue(rng, depth + 1));
    }
  }
}

/** Well-formed commands on the victim namespace, one per command under test, with most of their fields set. */
function commandTemplates(): Document[] {
  const collation = { locale: 'simple' };
  const base = { $db: VICTIM_DB, comment: 'fuzz' };
  return [
    { insert: VICTIM_COLL, documents: [{ _id: 1, a: 1 }], ordered: true, bypassDocumentValidation: false, writeConcern: { w: 1 }, ...base },
    {
      update: VICTIM_COLL,
      updates: [{ q: { a: 1 }, u: { $set: { b: 1 } }, upsert: false, multi: false, arrayFilters: [{ 'x.a': 1 }], hint: { _id: 1 }, collation }],
      ordered: true, let: { v: 1 }, ...base,
    },
    { delete: VICTIM_COLL, deletes: [{ q: { a: 1 }, limit: 0, hint: { _id: 1 }, collation }], ordered: true, let: { v: 1 }, ...base },
    {
      find: VICTIM_COLL, filter: { a: { $gte: 0 } }, sort: { a: 1 }, projection: { a: 1 }, skip: 0, limit: 10, batchSize: 2,
      singleBatch: false, hint: { _id: 1 }, collation, maxTimeMS: 5000, let: { v: 1 }, returnKey: false, showRecordId: false,
      allowDiskUse: false, noCursorTimeout: false, min: { _id: 0 }, max: { _id: 100 }, ...base,
    },
    {
      aggregate: VICTIM_COLL, pipeline: [{ $match: { a: 1 } }, { $project: { a: 1 } }], cursor: { batchSize: 2 }, allowDiskUse: false,
      maxTimeMS: 5000, hint: { _id: 1 }, collation, let: { v: 1 }, ...base,
    },
    { getMore: Long.fromNumber(123456), collection: VICTIM_COLL, batchSize: 2, maxTimeMS: 100, ...base },
    { killCursors: VICTIM_COLL, cursors: [Long.fromNumber(123456)], ...base },
    {
      createIndexes: VICTIM_COLL,
      indexes: [{ key: { a: 1 }, name: 'a_1', unique: false, sparse: false, partialFilterExpression: { a: { $gt: 1 } }, collation }],
      ...base,
    },
  ];
}

/** Every field path of a command (into sub-documents and the first element of arrays), the command name first. */
function fieldPaths(doc: Document, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [];
  for (const [k, v] of Object.entries(doc)) {
    const path = [...prefix, k];
    out.push(path);
    if (Array.isArray(v) && v.length > 0) {
      out.push([...path, 0]);
      if (isPlain(v[0])) out.push(...fieldPaths(v[0] as Document, [...path, 0]));
    } else if (isPlain(v)) {
      out.push(...fieldPaths(v as Document, path));
    }
  }
  return out;
}

function isPlain(v: unknown): boolean {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && (v as { _bsontype?: string })._bsontype === undefined && !(v instanceof Date);
}

function setPath(doc: Document, path: (string | number)[], value: unknown): void {
  let cur: Record<string | number, unknown> = doc;
  for (const part of path.slice(0, -1)) cur = cur[part] as Record<string | number, unknown>;
  cur[path[path.length - 1]!] = value;
}

/** A valid OP_MSG of some command on the victim namespace, sometimes with its documents as a kind-1 sequence. */
function validMessage(rng: Rng): Buffer {
  const cmd = structuredCloneBson(rng.pick(commandTemplates()));
  if ('insert' in cmd && rng.next() < 0.5) {
    const { documents, ...body } = cmd;
    return opMsg([bodySection(body), sequenceSection('documents', documents as Document[])]);
  }
  return rng.next() < 0.2 ? opMsgWithChecksum([bodySection(cmd)]) : opMsg([bodySection(cmd)]);
}

/** A deep copy that keeps BSON wrapper classes (structuredClone would drop them). */
function structuredCloneBson(doc: Document): Document {
  return BSON.deserialize(BSON.serialize(doc), { promoteValues: false });
}

type Case = { kind: string; bytes: Buffer; end?: boolean };

function randomBytesCase(rng: Rng): Case {
  const style = rng.int(4);
  if (style === 0) return { kind: 'random bytes', bytes: rng.bytes(1 + rng.int(200)), end: true };
  // A plausible header: a length that matches (or lies) and a real opcode, then noise.
  const body = rng.bytes(rng.int(300));
  const lie = rng.next() < 0.3;
  const length = lie ? rng.pick([0, -1, 15, 16, 17, 2 ** 31 - 1, 48 * 1024 * 1024 + 1, 16 + body.length + 1 + rng.int(50)]) : 16 + body.length;
  const opCode = rng.pick([OP_MSG, OP_QUERY, 2012, 2004, 1, 2001, 2002, 2005, 2006, 2007, 0, -1]);
  return { kind: `random body opcode ${opCode} length ${length}`, bytes: message(opCode, body, rng.int(2 ** 31), length), end: true };
}

function mutationCase(rng: Rng): Case {
  const bytes = Buffer.from(validMessage(rng));
  const mutations: string[] = [];
  const count = 1 + rng.int(3);
  let out = bytes;
  for (let m = 0; m < count; m++) {
    switch (rng.int(7)) {
      case 0: {
        const n = 1 + rng.int(8);
        for (let i = 0; i < n; i++) {
          const at = rng.int(out.length);
          out[at] = out[at]! ^ (1 << rng.int(8));
        }
        mutations.push(`flip ${n} bits`);
        break;
      }
      case 1: {
        // Truncate, fixing the header length so the message is framed and its sections run short.
        const keep = Math.max(16, rng.int(out.length));
        out = Buffer.from(out.subarray(0, keep));
        if (rng.next() < 0.8) out.writeInt32LE(out.length, 0);
        mutations.push(`truncate to ${keep}`);
        break;
      }
      case 2: {
        // Change a length field: the message's, the body document's, or any int32 inside.
        const at = rng.pick([0, 21, 4 * rng.int(Math.max(1, (out.length - 4) >> 2))]);
        if (at + 4 <= out.length) out.writeInt32LE(rng.pick([0, -1, 4, 5, out.readInt32LE(at) + 1, out.readInt32LE(at) - 1, 2 ** 30]), at);
        mutations.push(`length at ${at}`);
        break;
      }
      case 3: {
        if (out.length > 20) out[20] = rng.pick([1, 2, 3, 0x80, 0xff]);
        mutations.push(`section kind ${out[20]}`);
        break;
      }
      case 4: {
        // Duplicate the sections (two bodies, or a repeated sequence).
        const sections = out.subarray(20);
        out = Buffer.concat([out.subarray(0, 20), sections, sections]);
        out.writeInt32LE(out.length, 0);
        mutations.push('duplicate sections');
        break;
      }
      case 5: {
        if (out.length >= 20) {
          out.writeUInt32LE(rng.pick([2, 1 << 16, 1 << 1 | 1 << 16, 0xffffffff, 1]), 16);
          mutations.push(`flags ${out.readUInt32LE(16)}`);
        }
        break;
      }
      default: {
        const extra = rng.bytes(1 + rng.int(40));
        out = Buffer.concat([out, extra]);
        if (rng.next() < 0.7) out.writeInt32LE(out.length, 0);
        mutations.push('append garbage');
      }
    }
  }
  return { kind: `mutated OP_MSG (${mutations.join(', ')})`, bytes: out, end: true };
}

function wrongTypeCase(rng: Rng): Case {
  const template = rng.pick(commandTemplates());
  const cmd = structuredCloneBson(template);
  const path = rng.pick(fieldPaths(cmd));
  const value = randomValue(rng);
  setPath(cmd, path, value);
  let bytes: Buffer;
  try {
    bytes = opMsg([bodySection(cmd)]);
  } catch {
    bytes = opMsg([bodySection({ ping: 1, $db: VICTIM_DB })]);
  }
  return { kind: `${Object.keys(template)[0]} with ${path.join('.')} = ${describeValue(value)}`, bytes };
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'undefined';
  const type = (v as { _bsontype?: string } | null)?._bsontype;
  return type ?? (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);
}

/** A BSON document from already-encoded elements. */
function rawDocument(elements: Buffer[]): Buffer {
  const body = Buffer.concat([...elements, Buffer.from([0])]);
  const size = Buffer.alloc(4);
  size.writeInt32LE(4 + body.length, 0);
  return Buffer.concat([size, body]);
}

function cstring(bytes: Buffer): Buffer {
  return Buffer.concat([bytes, Buffer.from([0])]);
}

function stringElement(name: Buffer, value: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32LE(value.length + 1, 0);
  return Buffer.concat([Buffer.from([2]), cstring(name), size, cstring(value)]);
}

const BAD_UTF8 = [Buffer.from([0xff]), Buffer.from([0xc3, 0x28]), Buffer.from([0xe2, 0x82]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80]), Buffer.from([0xc0, 0xaf])];

/** An insert whose document carries invalid UTF-8 in a string value or a field name: InvalidBSON (22). */
function invalidUtf8Case(rng: Rng): Case {
  const bad = Buffer.concat([Buffer.from('a'), rng.pick(BAD_UTF8), Buffer.from('b')]);
  const inName = rng.next() < 0.5;
  const doc = rawDocument([
    stringElement(Buffer.from('_id'), Buffer.from(`u${rng.int(1000)}`)),
    inName ? stringElement(bad, Buffer.from('x')) : stringElement(Buffer.from('s'), bad),
  ]);
  const header = bson({ insert: VICTIM_COLL, $db: VICTIM_DB });
  const asSequence = rng.next() < 0.5;
  const bytes = asSequence
    ? opMsg([bodySection(header), sequenceSection('documents', [doc])])
    : opMsg([bodySection(rawDocument([
      stringElement(Buffer.from('insert'), Buffer.from(VICTIM_COLL)),
      Buffer.concat([Buffer.from([4]), cstring(Buffer.from('documents')), rawDocument([Buffer.concat([Buffer.from([3]), cstring(Buffer.from('0')), doc])])]),
      stringElement(Buffer.from('$db'), Buffer.from(VICTIM_DB)),
    ]))]);
  return { kind: `invalid UTF-8 in a ${inName ? 'field name' : 'string'} (${asSequence ? 'sequence' : 'body'})`, bytes };
}

function generate(rng: Rng): Case {
  const r = rng.next();
  if (r < 0.2) return randomBytesCase(rng);
  if (r < 0.55) return mutationCase(rng);
  if (r < 0.92) return wrongTypeCase(rng);
  return invalidUtf8Case(rng);
}

/** A document nesting `levels` non-empty documents, the top level included. */
function nested(levels: number): Document {
  let doc: Document = { leaf: 1 };
  for (let i = 1; i < levels; i++) doc = { n: doc };
  return doc;
}

describe(`wire fuzz (seed ${SEED}; replay with EDDYDB_FUZZ_SEED=${SEED})`, () => {
  let server: RunningServer;
  let client: MongoClient;
  let coll: Collection<Doc>;
  const expected: Document[] = [];
  let probe = 0;

  before(async () => {
    console.log(`wire fuzz seed: ${SEED} (replay with EDDYDB_FUZZ_SEED=${SEED})`);
    server = await startInProcess();
    client = clientFor(server.address);
    coll = client.db(SAFE_DB).collection<Doc>(SAFE_COLL);
    const seedDocs = [{ _id: 'a', n: new Int32(1), tags: ['x', 'y'] }, { _id: 'b', nested: { deep: { x: 1.5 } } }];
    await coll.insertMany(seedDocs);
    expected.push(...seedDocs);
    await client.db(VICTIM_DB).collection<Doc>(VICTIM_COLL).insertMany([{ _id: 1, a: 1 }, { _id: 2, a: 2 }]);
  });

  after(async () => {
    await client?.close();
    await server?.close();
  });

  /** A separate client can ping, insert and find, and the protected data is exactly what well-formed writes made. */
  async function assertHealthy(context: string): Promise<void> {
    const ping = await client.db('admin').command({ ping: 1 });
    assert.equal(ping.ok, 1, `ping after ${context}`);
    const sort = (docs: Document[]) => [...docs].sort((x, y) => (String(x._id) < String(y._id) ? -1 : 1));
    const now = await coll.find({}, { promoteValues: false }).toArray();
    assert.deepEqual(
      BSON.serialize({ d: sort(now) }),
      BSON.serialize({ d: sort(expected) }),
      `the protected collection is unchanged after ${context}`,
    );
    const marker = { _id: `ok-${String(++probe).padStart(4, '0')}` };
    await coll.insertOne(marker);
    expected.push(marker);
    assert.deepEqual(await coll.findOne({ _id: marker._id }), marker, `insert and find after ${context}`);
  }

  async function send(c: Case): Promise<Outcome> {
    const raw = await RawSocket.open(server.port);
    try {
      raw.write(c.bytes, c.end ?? false);
      return await raw.outcome(3000);
    } finally {
      raw.destroy();
    }
  }

  test('random and mutated messages and wrongly typed commands get an error or a close, never a hang or a crash', async () => {
    const started = Date.now();
    const kinds = new Map<string, number>();
    const internal: string[] = [];
    let ran = 0;
    const first = ONLY_CASE ?? 0;
    const last = ONLY_CASE ?? MAX_CASES - 1;
    for (let i = first; i <= last; i++) {
      if (ONLY_CASE === undefined && Date.now() - started > BUDGET_MS) break;
      const c = generate(new Rng(caseSeed(SEED, i)));
      const where = `case ${i} (${c.kind}); replay: EDDYDB_FUZZ_SEED=${SEED} EDDYDB_FUZZ_CASE=${i}`;
      let outcome: Outcome;
      try {
        outcome = await send(c);
      } catch (err) {
        assert.fail(`${where}: ${err instanceof Error ? err.message : String(err)}`);
      }
      ran++;
      const label = c.kind.split(' ')[0]!;
      kinds.set(label, (kinds.get(label) ?? 0) + 1);
      if ('reply' in outcome) {
        const r = outcome.reply;
        assert.ok(r.ok === 0 || r.ok === 1, `${where}: reply has ok 0 or 1: ${JSON.stringify(r)}`);
        if (r.ok === 0) {
          assert.equal(typeof r.code, 'number', `${where}: an error reply has a numeric code`);
          assert.equal(typeof r.errmsg, 'string', `${where}: an error reply has an errmsg`);
          if (r.code === 1) internal.push(`${where}: ${r.errmsg}`);
        }
        if (c.kind.startsWith('invalid UTF-8')) {
          assert.equal(r.ok, 0, `${where}: invalid UTF-8 is refused`);
          assert.equal(r.code, 22, `${where}: invalid UTF-8 is InvalidBSON`);
        }
      }
      if (ran % BATCH === 0 || ONLY_CASE !== undefined) await assertHealthy(where);
    }
    await assertHealthy('the last case');
    console.log(`wire fuzz: ${ran} cases in ${Date.now() - started} ms`, Object.fromEntries(kinds));
    if (internal.length > 0) console.log(`wire fuzz: ${internal.length} InternalError replies (unhandled argument types):\n  ${internal.slice(0, 20).join('\n  ')}`);
    assert.ok(ran > 0 || ONLY_CASE !== undefined);
  });

  test('documents nested over 100 levels are refused with Overflow (15), insert and update alike', async () => {
    await assert.rejects(coll.insertOne({ _id: 'deep150', d: nested(150) }), (err: unknown) => {
      assert.ok(err instanceof MongoServerError);
      assert.equal(err.code, 15);
      return true;
    });
    // Exactly 100 levels, the top level counted, is the limit and is stored.
    const ok = { _id: 'deep100', ...nested(100) };
    await coll.insertOne(ok);
    expected.push(ok);
    assert.equal(await coll.countDocuments({ _id: 'deep100' }), 1);
    // One more level is refused; empty documents add no level.
    await assert.rejects(coll.insertOne({ _id: 'deep101', ...nested(101) }), (err: unknown) => err instanceof MongoServerError && err.code === 15);
    const flatEmpty = { _id: 'deepEmpty', ...nested(100) };
    (flatEmpty as Document).e = {};
    await coll.insertOne(flatEmpty);
    expected.push(flatEmpty);
    // An update that would push a stored document past the limit is refused and changes nothing.
    await assert.rejects(
      coll.updateOne({ _id: 'a' }, { $set: { d: nested(150) } }),
      (err: unknown) => err instanceof MongoServerError && err.code === 15,
    );
    await assert.rejects(
      coll.replaceOne({ _id: 'b' }, { d: nested(120) }),
      (err: unknown) => err instanceof MongoServerError && err.code === 15,
    );
    await assertHealthy('deep documents');
  });

  test('a huge array (1,000,000 small elements, under 16 MiB) is stored and read back whole', async () => {
    const many = Array.from({ length: 1_000_000 }, (_, i) => i & 0x7f);
    const doc = { _id: 'huge', many };
    await coll.insertOne(doc);
    expected.push(doc);
    const back = await coll.findOne({ _id: 'huge' }, { projection: { n: { $size: '$many' } } });
    assert.equal(back?.n, 1_000_000);
    // Over 16 MiB (sent raw: the driver refuses to build it) is BSONObjectTooLarge (10334) or a close, nothing stored.
    const payload = Buffer.alloc(17 * 1024 * 1024);
    const binHeader = Buffer.alloc(5);
    binHeader.writeInt32LE(payload.length, 0);
    const bigDoc = rawDocument([
      stringElement(Buffer.from('_id'), Buffer.from('tooBig')),
      Buffer.concat([Buffer.from([5]), cstring(Buffer.from('b')), binHeader, payload]),
    ]);
    const raw = await RawSocket.open(server.port);
    try {
      raw.write(opMsg([bodySection({ insert: SAFE_COLL, $db: SAFE_DB }), sequenceSection('documents', [bigDoc])]));
      const outcome = await raw.outcome(10_000);
      if ('reply' in outcome) {
        assert.equal(outcome.reply.ok, 0);
        assert.equal(outcome.reply.code, 10334);
      }
    } finally {
      raw.destroy();
    }
    await assertHealthy('huge arrays');
  });
});

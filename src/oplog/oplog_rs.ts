/**
 * eddydb's change entries (entry.ts) in the shape of mongod's replica-set oplog (`local.oplog.rs`), for oplog
 * tailers: `op` i/u/d/c, `ns`, `ui`, `o`, `o2`, `ts`, `t`, `v`, `wall`, and the entries of one transaction folded
 * into one `applyOps` command entry, as mongod commits a transaction. Built on read; nothing stores this shape.
 */
import { Binary, Long, Timestamp } from '../bson/index.js';
import type { Document } from '../bson/types.js';
import { toTimestamp } from './cluster_clock.js';
import type { OplogEntry } from './entry.js';

/** The term of every entry: a single-node replica set that never held an election after its first. */
const TERM = Long.fromNumber(1);
/** mongod's oplog entry format version. */
const VERSION = Long.fromNumber(2);

function ui(uuid: string | undefined): Binary | undefined {
  return uuid === undefined ? undefined : new Binary(Buffer.from(uuid, 'hex'), Binary.SUBTYPE_UUID);
}

/** A node of a `$v: 2` update diff: an object's (`u`, `d`, `s<field>`) or an array's (`a`, `l`, `u<i>`, `s<i>`). */
interface DiffNode {
  array: boolean;
  u: Map<string, unknown>;
  d: Set<string>;
  s: Map<string, DiffNode>;
  l?: number;
}

function diffNode(array: boolean): DiffNode {
  return { array, u: new Map(), d: new Set(), s: new Map() };
}

/**
 * A path of the update description as parts, each with whether it is an array index: `disambiguatedPaths` says so
 * for the paths it lists; in any other path only array indexes are numeric (a numeric field name is ambiguous, so
 * it would be listed).
 */
function pathParts(field: string, disambiguated: Document | undefined): { name: string; index: boolean }[] {
  const listed = disambiguated?.[field];
  if (Array.isArray(listed)) return listed.map((p) => (typeof p === 'string' ? { name: p, index: false } : { name: String(Number(p)), index: true }));
  return field.split('.').map((name, i) => ({ name, index: i > 0 && /^(0|[1-9][0-9]*)$/.test(name) }));
}

/** The node holding the last part of `parts`: every part before it is a nested diff. */
function parentOf(root: DiffNode, parts: { name: string; index: boolean }[]): DiffNode {
  let node = root;
  for (let i = 0; i < parts.length - 1; i++) {
    const name = parts[i]!.name;
    let child = node.s.get(name);
    if (!child) node.s.set(name, (child = diffNode(parts[i + 1]!.index)));
    node = child;
  }
  return node;
}

function renderDiff(node: DiffNode): Document {
  const out: Document = {};
  if (node.array) {
    out.a = true;
    if (node.l !== undefined) out.l = node.l;
    for (const [i, value] of node.u) out[`u${i}`] = value;
  } else {
    if (node.d.size > 0) out.d = Object.fromEntries([...node.d].map((f) => [f, false]));
    if (node.u.size > 0) out.u = Object.fromEntries(node.u);
  }
  for (const [name, child] of node.s) out[`s${name}`] = renderDiff(child);
  return out;
}

/** An update description as mongod's `$v: 2` diff (the `o` of an update entry since MongoDB 5.0). */
export function updateDiff(description: Document): Document {
  const root = diffNode(false);
  const disambiguated = description.disambiguatedPaths as Document | undefined;
  for (const [field, value] of Object.entries((description.updatedFields as Document | undefined) ?? {})) {
    const parts = pathParts(field, disambiguated);
    parentOf(root, parts).u.set(parts[parts.length - 1]!.name, value);
  }
  for (const field of (description.removedFields as string[] | undefined) ?? []) {
    const parts = pathParts(field, disambiguated);
    parentOf(root, parts).d.add(parts[parts.length - 1]!.name);
  }
  for (const { field, newSize } of (description.truncatedArrays as { field: string; newSize: unknown }[] | undefined) ?? []) {
    const parts = pathParts(field, disambiguated);
    const parent = parentOf(root, parts);
    const name = parts[parts.length - 1]!.name;
    let node = parent.s.get(name);
    if (!node) parent.s.set(name, (node = diffNode(true)));
    node.l = Number(newSize);
  }
  return { $v: 2, diff: renderDiff(root) };
}

/** The operation of one entry (`op`, `ns`, `ui`, `o`, `o2`), as it appears alone or inside `applyOps`. */
function operation(entry: OplogEntry): Document {
  const ns = `${entry.db}.${entry.coll ?? ''}`;
  const cmdNs = `${entry.db}.$cmd`;
  // mongod's field order: op, ns, ui, o, o2.
  const withUi = (doc: Document): Document => {
    const u = ui(entry.uuid);
    const { op, ns: name, ...rest } = doc;
    return u ? { op, ns: name, ui: u, ...rest } : doc;
  };
  switch (entry.op) {
    case 'insert':
      return withUi({ op: 'i', ns, o: entry.fullDocument });
    case 'update':
      return withUi({ op: 'u', ns, o: updateDiff(entry.updateDescription ?? {}), o2: entry.documentKey });
    case 'replace':
      return withUi({ op: 'u', ns, o: entry.fullDocument, o2: entry.documentKey });
    case 'delete':
      return withUi({ op: 'd', ns, o: entry.documentKey });
    case 'create':
      return withUi({ op: 'c', ns: cmdNs, o: { create: entry.coll, ...(entry.operationDescription ?? {}) } });
    case 'drop':
      return withUi({ op: 'c', ns: cmdNs, o: { drop: entry.coll } });
    case 'rename': {
      const o: Document = { renameCollection: ns, to: `${entry.to!.db}.${entry.to!.coll}`, stayTemp: false };
      if (entry.dropTarget) o.dropTarget = ui(entry.dropTarget);
      return withUi({ op: 'c', ns: cmdNs, o });
    }
    case 'dropDatabase':
      return { op: 'c', ns: cmdNs, o: { dropDatabase: 1 } };
    case 'createIndexes': {
      const spec = ((entry.operationDescription?.indexes as Document[] | undefined) ?? [])[0] ?? {};
      return withUi({ op: 'c', ns: cmdNs, o: { createIndexes: entry.coll, ...spec } });
    }
    case 'dropIndexes': {
      const spec = ((entry.operationDescription?.indexes as Document[] | undefined) ?? [])[0] ?? {};
      return withUi({ op: 'c', ns: cmdNs, o: { dropIndexes: entry.coll, index: spec.name }, o2: spec });
    }
    case 'modify':
      return withUi({ op: 'c', ns: cmdNs, o: { collMod: entry.coll, ...(entry.operationDescription ?? {}) } });
  }
}

/** An entry of the oplog document: the operation between `ts`, `t`, `v` and `wall`, as mongod orders them. */
function stamped(op: Document, ts: bigint, wall: Date, before: Document = {}, after: Document = {}): Document {
  return { ...before, ...op, ts: toTimestamp(ts) as Timestamp, t: TERM, v: VERSION, wall, ...after };
}

/** True when `entry` was written by a multi-document transaction (its commit stamps each with lsid and txnNumber). */
export function inTransaction(entry: OplogEntry): boolean {
  return entry.lsid !== undefined && entry.txnNumber !== undefined;
}

/** True when `a` and `b` belong to the same committed transaction. */
export function sameTransaction(a: OplogEntry, b: OplogEntry): boolean {
  if (!inTransaction(a) || !inTransaction(b)) return false;
  const idA = a.lsid!.id as Binary;
  const idB = b.lsid!.id as Binary;
  return Buffer.from(idA.buffer).equals(Buffer.from(idB.buffer)) && String(a.txnNumber) === String(b.txnNumber);
}

/**
 * One oplog document for `group`: a single entry alone, or the entries of one transaction (in commit order) as one
 * `applyOps` entry at the time of its last, with the transaction's `lsid` and `txnNumber`.
 */
export function oplogRsEntry(group: readonly OplogEntry[]): Document {
  const last = group[group.length - 1]!;
  if (!inTransaction(last)) return stamped(operation(last), last.ts, last.wall);
  return stamped(
    { op: 'c', ns: 'admin.$cmd', o: { applyOps: group.map(operation) } },
    last.ts,
    last.wall,
    { lsid: last.lsid, txnNumber: last.txnNumber },
    { prevOpTime: { ts: new Timestamp({ t: 0, i: 0 }), t: Long.fromNumber(-1) } },
  );
}

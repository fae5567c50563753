import { compareValues, isDocument, type Collation, type Document } from '../../bson/index.js';
import { ValueGroups } from '../expressions/index.js';
import { compileFilter } from '../filter/index.js';
import { equalityFilter, hasRegex } from './lookup_filter.js';
import { documentBytes, type StreamControl } from './stream.js';
import { valuesAtPath } from './sub_pipeline.js';
import type { ForeignNamespace, ForeignReader } from './types.js';

/**
 * An equality `$lookup` joins a chunk of input documents with one read of the foreign side: the union of their
 * local values in one `$in` (so one planned read, one index scan, instead of one per input), the documents read
 * grouped by the values at `foreignField`, and each input's candidates taken from its value's group, then checked
 * against the input's own filter, so each input gets exactly what its own read would have found, in the same order.
 * Past {@link BATCH_MAX_BYTES} of foreign documents the batch is given up and each input reads on its own.
 */

/** The most foreign documents one batch holds. */
export const BATCH_MAX_BYTES = 16 * 1024 * 1024;

/** A foreign field with a numeric component (`a.0`) may index arrays: its inputs read one by one. */
export function batchablePath(path: string): boolean {
  return !path.split('.').some((part) => /^\d+$/.test(part));
}

/** What a foreign document can be found under: the values at the path (whole arrays and their elements). */
interface Keys {
  values: unknown[];
  /** The path is missing (or null, or undefined) on some branch: it matches a null local value. */
  nullish: boolean;
  /** Nested arrays on the path: it is a candidate for every input (its filter still decides). */
  odd: boolean;
}

function isUndefinedType(v: unknown): boolean {
  return (v as { _bsontype?: string } | undefined)?._bsontype === 'Undefined';
}

function collectKeys(value: unknown, parts: readonly string[], i: number, out: Keys): void {
  if (i === parts.length) {
    if (value === undefined || value === null || isUndefinedType(value)) {
      out.nullish = true;
      return;
    }
    out.values.push(value);
    if (Array.isArray(value)) {
      if (value.length === 0) out.nullish = true;
      for (const el of value) {
        if (el === null || isUndefinedType(el)) out.nullish = true;
        else out.values.push(el);
      }
    }
    return;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) out.nullish = true;
    for (const el of value) {
      if (isDocument(el)) collectKeys(el, parts, i, out);
      else if (Array.isArray(el)) out.odd = true;
      else out.nullish = true;
    }
    return;
  }
  if (isDocument(value) && Object.prototype.hasOwnProperty.call(value, parts[i]!)) {
    collectKeys(value[parts[i]!], parts, i + 1, out);
    return;
  }
  out.nullish = true;
}

/** One chunk's foreign documents, ready to hand each input its candidates. */
export interface JoinBatch {
  /**
   * The documents `doc`'s own equality read would find, in `_id` order, which is the order of that read for one
   * value (a collection scan is in `_id` order, and so are one key's index entries); null for an input with several
   * values, whose own read through an index would be in key order: it reads on its own.
   */
  candidates(doc: Document): Document[] | null;
}

/**
 * Reads the foreign documents every input of `chunk` may join (null when a value is a regular expression, which
 * only an `$or` of equalities matches, or when they pass {@link BATCH_MAX_BYTES}).
 */
export async function readJoinBatch(
  foreign: ForeignReader, from: ForeignNamespace, local: readonly string[], foreignField: string,
  chunk: readonly Document[], collation: Collation | null, control: StreamControl,
): Promise<JoinBatch | null> {
  const wanted = new ValueGroups<true>(collation);
  for (const doc of chunk) {
    const values = valuesAtPath(doc, local);
    if (values.length === 0) values.push(null);
    if (hasRegex(values)) return null;
    for (const v of values) wanted.get(v, () => true);
  }
  const docs: Document[] = [];
  let bytes = 0;
  for await (const found of foreign.find(from, { [foreignField]: { $in: wanted.entries().map((e) => e.key) } }, control)) {
    for (const doc of found) {
      bytes += documentBytes(doc);
      if (bytes > BATCH_MAX_BYTES) return null;
      docs.push(doc);
    }
  }
  const parts = foreignField.split('.');
  const groups = new ValueGroups<number[]>(collation);
  const nullish: number[] = [];
  const always: number[] = [];
  docs.forEach((doc, position) => {
    const keys: Keys = { values: [], nullish: false, odd: false };
    collectKeys(doc, parts, 0, keys);
    if (keys.odd) always.push(position);
    if (keys.nullish) nullish.push(position);
    const seen = new Set<number[]>();
    for (const v of keys.values) {
      const group = groups.get(v, () => []);
      if (seen.has(group)) continue;
      seen.add(group);
      group.push(position);
    }
  });
  return {
    candidates(doc) {
      const values = valuesAtPath(doc, local);
      if (values.length > 1) return null;
      if (values.length === 0) values.push(null);
      const positions = new Set<number>(always);
      for (const v of values) {
        const group = v === null || v === undefined || isUndefinedType(v) ? nullish : groups.get(v, () => []);
        for (const p of group) positions.add(p);
      }
      if (positions.size === 0) return [];
      const filter = compileFilter(equalityFilter(doc, local, foreignField), { collation });
      return [...positions].map((p) => docs[p]!).filter((d) => filter.matches(d)).sort((a, b) => compareValues(a._id, b._id, null));
    },
  };
}

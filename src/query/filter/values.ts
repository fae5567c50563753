import { bsonTypeOf, isDocument, setField, type Document } from '../../bson/index.js';

/**
 * An operand as the wire would have delivered it: JS `undefined` anywhere inside becomes null, because the bson
 * serializer (and so every driver talking to mongod) writes it as null. Copies only when something changes.
 */
export function operandValue(v: unknown): unknown {
  if (v === undefined) return null;
  if (Array.isArray(v)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < v.length; i++) {
      const x = operandValue(v[i]);
      if (x !== v[i] && out === null) out = v.slice(0, i);
      if (out !== null) out.push(x);
    }
    return out ?? v;
  }
  if (isDocument(v) && (v as { _bsontype?: unknown })._bsontype === undefined) {
    let out: Document | null = null;
    const keys = Object.keys(v);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const x = operandValue(v[k]);
      if (x !== v[k] && out === null) {
        out = {};
        for (let j = 0; j < i; j++) setField(out, keys[j]!, v[keys[j]!]);
      }
      if (out !== null) setField(out, k, x);
    }
    return out ?? v;
  }
  return v;
}

/** True for a JS RegExp or a BSONRegExp (BSON type regex). */
export function isRegexValue(v: unknown): boolean {
  return bsonTypeOf(v) === 'regex';
}

/**
 * True when `doc` reads as a DBRef (mongod's isDBRefDocument): it has `$ref` and `$id`, or, when incomplete DBRefs
 * are allowed, any of `$ref`, `$id`, `$db`.
 */
export function isDbRefDocument(doc: Document, allowIncomplete: boolean): boolean {
  const hasRef = Object.prototype.hasOwnProperty.call(doc, '$ref');
  const hasId = Object.prototype.hasOwnProperty.call(doc, '$id');
  if (allowIncomplete) return hasRef || hasId || Object.prototype.hasOwnProperty.call(doc, '$db');
  return hasRef && hasId;
}

/**
 * True when a field's value is an operator document (`{$gt: 5}`) rather than a value to compare with: a non-empty
 * plain document whose first field starts with '$' and that is not a DBRef (mongod's isExpressionDocument).
 */
export function isExpressionDocument(v: unknown, allowIncompleteDbRef: boolean): v is Document {
  if (!isDocument(v) || (v as { _bsontype?: unknown })._bsontype !== undefined) return false;
  const keys = Object.keys(v);
  if (keys.length === 0 || !keys[0]!.startsWith('$')) return false;
  return !isDbRefDocument(v, allowIncompleteDbRef);
}


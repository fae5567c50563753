import { bsonTypeNumbers, bsonTypeOf, compareValues, isDocument, isNumeric, modNumbers, type Document } from '../../bson/index.js';
import type { CompiledRegex } from '../regex/index.js';
import type { TypeSet } from '../filter/type.js';
import { MISSING } from '../filter/types.js';

/**
 * The match tree a `$jsonSchema` compiles to, node for node the tree mongod's JSON Schema parser builds from its
 * internal schema expressions, so that matching and the document validation error (`doc_validation_error.ts`, which walks
 * the same tree) follow mongod's. Each node carries mongod's error annotation: the keyword it stands for (`tag`),
 * what the error prints as `specifiedAs` (`annotation`), the `title` and `description` of its subschema, and whether
 * it reports errors itself, only through its children, or not at all.
 */

/** How a node takes part in error generation (mongod's ErrorAnnotation::Mode). */
export type AnnotationMode = 'generate' | 'ignore' | 'ignoreButDescend';

export interface ErrorAnnotation {
  readonly tag: string;
  readonly annotation: Document;
  /** The `title` and `description` of the subschema the node stands for, in the schema's order. */
  readonly schemaAnnotations: Document;
  readonly mode: AnnotationMode;
}

/** An annotation for a node that reports its own error. `schema` gives its title and description. */
export function annotate(tag: string, annotation: Document = {}, schema?: Document): ErrorAnnotation {
  const schemaAnnotations: Document = {};
  if (schema) for (const [k, v] of Object.entries(schema)) if (k === 'title' || k === 'description') schemaAnnotations[k] = v;
  return { tag, annotation, schemaAnnotations, mode: 'generate' };
}

export const IGNORE: ErrorAnnotation = { tag: '', annotation: {}, schemaAnnotations: {}, mode: 'ignore' };
export const IGNORE_BUT_DESCEND: ErrorAnnotation = { tag: '', annotation: {}, schemaAnnotations: {}, mode: 'ignoreButDescend' };

/** The field name nested schemas of items, additionalItems, additionalProperties and patternProperties test. */
export const PLACEHOLDER = 'i';

/**
 * The value of a schema node's path in `doc`, an array at its end taken whole (mongod's kNoTraversal). A property
 * name with a dot is a path, as in mongod; this walk goes through documents only.
 */
export function valueAt(doc: Document, path: string): unknown {
  if (!path.includes('.')) return Object.prototype.hasOwnProperty.call(doc, path) ? doc[path] : MISSING;
  let current: unknown = doc;
  for (const part of path.split('.')) {
    if (!isDocument(current) || !Object.prototype.hasOwnProperty.call(current, part)) return MISSING;
    current = current[part];
  }
  return current;
}

export abstract class SchemaNode {
  constructor(public annotation: ErrorAnnotation) {}
  /** True when `doc` (the object the schema applies to) satisfies the node. */
  abstract matches(doc: Document): boolean;
  children(): readonly SchemaNode[] {
    return [];
  }
}

export class AlwaysNode extends SchemaNode {
  constructor(
    readonly value: boolean,
    annotation: ErrorAnnotation,
  ) {
    super(annotation);
  }
  matches(): boolean {
    return this.value;
  }
}

abstract class ListNode extends SchemaNode {
  readonly list: SchemaNode[] = [];
  add(node: SchemaNode): void {
    this.list.push(node);
  }
  override children(): readonly SchemaNode[] {
    return this.list;
  }
}

export class AndNode extends ListNode {
  matches(doc: Document): boolean {
    return this.list.every((c) => c.matches(doc));
  }
}

export class OrNode extends ListNode {
  matches(doc: Document): boolean {
    return this.list.some((c) => c.matches(doc));
  }
}

/** oneOf: exactly one child matches (mongod's $_internalSchemaXor). */
export class XorNode extends ListNode {
  matches(doc: Document): boolean {
    let n = 0;
    for (const c of this.list) if (c.matches(doc) && ++n > 1) return false;
    return n === 1;
  }
}

export class NotNode extends SchemaNode {
  constructor(
    readonly child: SchemaNode,
    annotation: ErrorAnnotation,
  ) {
    super(annotation);
  }
  matches(doc: Document): boolean {
    return !this.child.matches(doc);
  }
  override children(): readonly SchemaNode[] {
    return [this.child];
  }
}

/** One dependency: if `condition` matches, `then` must (mongod's $_internalSchemaCond with an always-true else). */
export class CondNode extends SchemaNode {
  constructor(
    readonly condition: SchemaNode,
    readonly then: SchemaNode,
    readonly otherwise: SchemaNode,
    annotation: ErrorAnnotation,
  ) {
    super(annotation);
  }
  matches(doc: Document): boolean {
    return this.condition.matches(doc) ? this.then.matches(doc) : this.otherwise.matches(doc);
  }
  override children(): readonly SchemaNode[] {
    return [this.condition, this.then, this.otherwise];
  }
}

/** A node testing the value at one field of the current object. */
export abstract class PathSchemaNode extends SchemaNode {
  constructor(
    readonly path: string,
    annotation: ErrorAnnotation,
  ) {
    super(annotation);
  }
}

export function typeSetHas(types: TypeSet, value: unknown): boolean {
  if (value === MISSING) return false;
  if (types.allNumbers && isNumeric(value)) return true;
  return types.codes.has(bsonTypeNumbers[bsonTypeOf(value)]);
}

/** bsonType / type: the value itself (an array is not looked into) has one of the types. */
export class SchemaTypeNode extends PathSchemaNode {
  constructor(
    path: string,
    readonly types: TypeSet,
    annotation: ErrorAnnotation,
  ) {
    super(path, annotation);
  }
  matches(doc: Document): boolean {
    return typeSetHas(this.types, valueAt(doc, this.path));
  }
}

export class ExistsSchemaNode extends PathSchemaNode {
  matches(doc: Document): boolean {
    return valueAt(doc, this.path) !== MISSING;
  }
}

/**
 * A predicate of the query language on the field (minimum and maximum are $gte/$gt/$lte/$lt, pattern is $regex):
 * `test` gets the whole object, as the query node does.
 */
export class QueryPredicateNode extends PathSchemaNode {
  constructor(
    path: string,
    readonly test: (doc: Document) => boolean,
    annotation: ErrorAnnotation,
  ) {
    super(path, annotation);
  }
  matches(doc: Document): boolean {
    return this.test(doc);
  }
}

function isZeroDecimal(v: unknown): boolean {
  return /^-?0(?:\.0*)?(?:E[+-]?\d+)?$/i.test(String(v as object));
}

/** multipleOf: a number whose decimal remainder by the divisor is zero (mongod's $_internalSchemaFmod). */
export class FmodNode extends PathSchemaNode {
  constructor(
    path: string,
    /** The divisor as a Decimal128, so the remainder is computed in decimal as mongod does. */
    readonly divisor: unknown,
    annotation: ErrorAnnotation,
  ) {
    super(path, annotation);
  }
  matches(doc: Document): boolean {
    const v = valueAt(doc, this.path);
    if (!isNumeric(v)) return false;
    return isZeroDecimal(modNumbers(v, this.divisor));
  }
}

/** The number of code points of a string (what minLength and maxLength count). */
export function codePointLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

export type Bound = 'min' | 'max';

function withinBound(bound: Bound, actual: number, limit: number): boolean {
  return bound === 'min' ? actual >= limit : actual <= limit;
}

/** minLength / maxLength on a string. */
export class StrLengthNode extends PathSchemaNode {
  constructor(
    path: string,
    readonly bound: Bound,
    readonly limit: number,
    annotation: ErrorAnnotation,
  ) {
    super(path, annotation);
  }
  matches(doc: Document): boolean {
    const v = valueAt(doc, this.path);
    return typeof v === 'string' && withinBound(this.bound, codePointLength(v), this.limit);
  }
}

/** minItems / maxItems on an array. */
export class ArrayItemsNode extends PathSchemaNode {
  constructor(
    path: string,
    readonly bound: Bound,
    readonly limit: number,
    annotation: ErrorAnnotation,
  ) {
    super(path, annotation);
  }
  matches(doc: Document): boolean {
    const v = valueAt(doc, this.path);
    return Array.isArray(v) && withinBound(this.bound, v.length, this.limit);
  }
}

/**
 * Equality as mongod's schema keywords compare (UnorderedFieldsBSONElementComparator): numbers by value, documents
 * whatever the order of their fields, at every depth.
 */
export function unorderedEqual(a: unknown, b: unknown): boolean {
  if (isDocument(a) && isDocument(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && unorderedEqual(a[k], b[k]));
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => unorderedEqual(v, b[i]));
  }
  if (isDocument(a) || isDocument(b) || Array.isArray(a) || Array.isArray(b)) return false;
  return compareValues(a, b) === 0;
}

/** uniqueItems: an array with no two equal elements. */
export class UniqueItemsNode extends PathSchemaNode {
  matches(doc: Document): boolean {
    const v = valueAt(doc, this.path);
    return Array.isArray(v) && firstDuplicate(v) === MISSING;
  }
}

/** The first element of `values` equal to an earlier one, or MISSING. */
export function firstDuplicate(values: readonly unknown[]): unknown {
  for (let i = 1; i < values.length; i++) {
    for (let j = 0; j < i; j++) if (unorderedEqual(values[i], values[j])) return values[i];
  }
  return MISSING;
}

/** The nested schema of an object-valued field, tested against that object. */
export class ObjectMatchNode extends PathSchemaNode {
  constructor(
    path: string,
    readonly child: SchemaNode,
    annotation: ErrorAnnotation,
  ) {
    super(path, annotation);
  }
  matches(doc: Document): boolean {
    const v = valueAt(doc, this.path);
    return isDocument(v) && this.child.matches(v);
  }
  override children(): readonly SchemaNode[] {
    return [this.child];
  }
}

/** minProperties / maxProperties on the current object. */
export class NumPropertiesNode extends SchemaNode {
  constructor(
    readonly bound: Bound,
    readonly limit: number,
    annotation: ErrorAnnotation,
  ) {
    super(annotation);
  }
  matches(doc: Document): boolean {
    return withinBound(this.bound, Object.keys(doc).length, this.limit);
  }
}

/** A patternProperties entry: the pattern as written, compiled, and the schema (at the placeholder). */
export interface PatternSchema {
  readonly raw: string;
  readonly regex: CompiledRegex;
  readonly schema: SchemaNode;
}

/**
 * patternProperties and additionalProperties together (mongod's $_internalSchemaAllowedProperties): every field
 * whose name a pattern finds must match that pattern's schema; a field neither named in `properties` nor found by
 * a pattern must match `otherwise` (the additionalProperties schema, or a constant).
 */
export class AllowedPropertiesNode extends SchemaNode {
  constructor(
    readonly properties: ReadonlySet<string>,
    readonly patterns: readonly PatternSchema[],
    readonly otherwise: SchemaNode,
    annotation: ErrorAnnotation,
  ) {
    super(annotation);
  }
  matches(doc: Document): boolean {
    for (const [name, value] of Object.entries(doc)) {
      let checkOtherwise = true;
      for (const p of this.patterns) {
        if (!p.regex.test(name)) continue;
        checkOtherwise = false;
        if (!p.schema.matches({ [PLACEHOLDER]: value })) return false;
      }
      if (checkOtherwise && this.properties.has(name)) checkOtherwise = false;
      if (checkOtherwise && !this.otherwise.matches({ [PLACEHOLDER]: value })) return false;
    }
    return true;
  }
  override children(): readonly SchemaNode[] {
    return [this.otherwise, ...this.patterns.map((p) => p.schema)];
  }
  /** The fields of `doc` neither named in properties nor found by a pattern. */
  additionalProperties(doc: Document): string[] {
    return Object.keys(doc).filter((name) => !this.properties.has(name) && !this.patterns.some((p) => p.regex.test(name)));
  }
}

/** items as an array: the element at `index`, when the array has one, matches the schema. */
export class MatchArrayIndexNode extends PathSchemaNode {
  constructor(
    path: string,
    readonly index: number,
    readonly child: SchemaNode,
    annotation: ErrorAnnotation,
  ) {
    super(path, annotation);
  }
  matches(doc: Document): boolean {
    const v = valueAt(doc, this.path);
    if (!Array.isArray(v)) return false;
    return this.index >= v.length || this.child.matches({ [PLACEHOLDER]: v[this.index] });
  }
  override children(): readonly SchemaNode[] {
    return [this.child];
  }
}

/** items as a schema, or additionalItems: every element from `start` on matches the schema. */
export class AllElemMatchFromIndexNode extends PathSchemaNode {
  constructor(
    path: string,
    readonly start: number,
    readonly child: SchemaNode,
    annotation: ErrorAnnotation,
  ) {
    super(path, annotation);
  }
  matches(doc: Document): boolean {
    const v = valueAt(doc, this.path);
    return Array.isArray(v) && this.firstMismatch(v) < 0;
  }
  /** The index of the first element from `start` that fails the schema, or -1. */
  firstMismatch(values: readonly unknown[]): number {
    for (let i = this.start; i < values.length; i++) if (!this.child.matches({ [PLACEHOLDER]: values[i] })) return i;
    return -1;
  }
  override children(): readonly SchemaNode[] {
    return [this.child];
  }
}

/** One enum value at a field. */
export class SchemaEqNode extends PathSchemaNode {
  constructor(
    path: string,
    readonly value: unknown,
    annotation: ErrorAnnotation,
  ) {
    super(path, annotation);
  }
  matches(doc: Document): boolean {
    const v = valueAt(doc, this.path);
    return v !== MISSING && unorderedEqual(v, this.value);
  }
}

/** One object enum value of a top-level schema: the whole document equals it. */
export class RootDocEqNode extends SchemaNode {
  constructor(
    readonly value: Document,
    annotation: ErrorAnnotation,
  ) {
    super(annotation);
  }
  matches(doc: Document): boolean {
    return unorderedEqual(doc, this.value);
  }
}

/** BinData subtype 6, an encrypted value (what `encrypt` requires of a field). */
export const ENCRYPTED_SUBTYPE = 6;

function binaryOf(v: unknown): { sub_type: number; buffer: Uint8Array } | null {
  return bsonTypeOf(v) === 'binData' ? (v as { sub_type: number; buffer: Uint8Array }) : null;
}

/** encrypt: the field holds encrypted BinData. */
export class BinDataSubTypeNode extends PathSchemaNode {
  matches(doc: Document): boolean {
    return binaryOf(valueAt(doc, this.path))?.sub_type === ENCRYPTED_SUBTYPE;
  }
}

/**
 * encrypt with bsonType: the encrypted value (deterministic or random FLE 1 blob) was of one of the types; its
 * header is the blob subtype, the 16-byte key id, then the original BSON type.
 */
export class BinDataEncryptedTypeNode extends PathSchemaNode {
  constructor(
    path: string,
    readonly types: TypeSet,
    annotation: ErrorAnnotation,
  ) {
    super(path, annotation);
  }
  matches(doc: Document): boolean {
    const bin = binaryOf(valueAt(doc, this.path));
    if (!bin || bin.sub_type !== ENCRYPTED_SUBTYPE || bin.buffer.length < 18) return false;
    const blobSubtype = bin.buffer[0];
    if (blobSubtype !== 1 && blobSubtype !== 2) return false;
    const original = bin.buffer[17]!;
    if (this.types.allNumbers && (original === 1 || original === 16 || original === 18 || original === 19)) return true;
    return this.types.codes.has(original === 0xff ? -1 : original);
  }
}

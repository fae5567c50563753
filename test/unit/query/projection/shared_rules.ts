import { Decimal128, Double, Long } from 'bson';
import type { Document } from '../../../../src/bson/index.js';

/**
 * The projection rules find and $project share (one engine parses and runs both). projection.test.ts runs every
 * case through find's compileProjection and pipeline/project.test.ts through a $project stage, so a rule that
 * drifts between the two fails one of them.
 */

export interface SharedCase {
  name: string;
  spec: Document;
  doc: Document;
  expected: Document;
}

const doc = { _id: 1, a: 1, b: { c: 2, d: 3 }, e: [{ f: 1, g: 2 }, { f: 3 }, 4], h: 'x' };

export const SHARED_CASES: SharedCase[] = [
  { name: 'inclusion keeps _id and the input order', spec: { h: 1, a: 1 }, doc, expected: { _id: 1, a: 1, h: 'x' } },
  { name: 'inclusion without _id', spec: { a: 1, _id: 0 }, doc, expected: { a: 1 } },
  { name: '_id excluded after the field', spec: { a: 1, _id: false }, doc, expected: { a: 1 } },
  { name: 'only _id: 1 is an inclusion', spec: { _id: 1 }, doc, expected: { _id: 1 } },
  { name: 'exclusion', spec: { b: 0, e: 0 }, doc, expected: { _id: 1, a: 1, h: 'x' } },
  { name: 'only _id: 0 is an exclusion', spec: { _id: 0 }, doc: { _id: 1, a: 1 }, expected: { a: 1 } },
  { name: 'exclusion with _id: 1', spec: { a: 0, _id: 1 }, doc: { _id: 1, a: 1, b: 2 }, expected: { _id: 1, b: 2 } },
  {
    name: 'booleans and every numeric type are flags', spec: { a: true, h: 5, b: new Long(1), e: Decimal128.fromString('2') }, doc,
    expected: doc,
  },
  { name: 'zero of any numeric type excludes', spec: { a: new Double(0), b: Decimal128.fromString('0E-3') }, doc, expected: { _id: 1, e: doc.e, h: 'x' } },
  { name: 'dotted inclusion', spec: { 'b.d': 1 }, doc, expected: { _id: 1, b: { d: 3 } } },
  { name: 'nested sub-projection', spec: { b: { d: 1 } }, doc, expected: { _id: 1, b: { d: 3 } } },
  { name: 'a sub-projection and a dotted path share a node', spec: { b: { d: 1 }, 'b.c': 1, _id: 0 }, doc, expected: { b: { c: 2, d: 3 } } },
  {
    name: 'inclusion through arrays drops scalars and descends into nested arrays', spec: { 'a.b': 1, _id: 0 },
    doc: { a: [{ b: 1, c: 2 }, 5, [{ b: 3 }]] }, expected: { a: [{ b: 1 }, [{ b: 3 }]] },
  },
  { name: 'inclusion below a scalar drops it', spec: { 'a.b': 1 }, doc: { _id: 1, a: 2 }, expected: { _id: 1 } },
  { name: 'inclusion keeps an empty sub-document', spec: { 'a.b': 1 }, doc: { _id: 1, a: { x: 1 } }, expected: { _id: 1, a: {} } },
  { name: 'dotted exclusion through arrays keeps scalars', spec: { 'e.f': 0, b: 0 }, doc, expected: { _id: 1, a: 1, e: [{ g: 2 }, {}, 4], h: 'x' } },
  { name: 'computed literal and field path', spec: { x: 'lit', y: '$b.c' }, doc, expected: { _id: 1, x: 'lit', y: 2 } },
  { name: 'computed expression', spec: { sum: { $add: ['$a', 10] } }, doc, expected: { _id: 1, sum: 11 } },
  { name: 'an array literal is an expression', spec: { v: [1, '$a'] }, doc, expected: { _id: 1, v: [1, 1] } },
  { name: 'computed fields come after the included ones', spec: { a: { $literal: 5 }, h: 1 }, doc, expected: { _id: 1, h: 'x', a: 5 } },
  {
    name: 'a computed field below an embedded document keeps that document where the input has it',
    spec: { _id: 0, a: 1, h: 1, 'b.c': '$h' }, doc, expected: { a: 1, b: { c: 'x' }, h: 'x' },
  },
  { name: 'a missing field path omits the field', spec: { m: '$nope' }, doc, expected: { _id: 1 } },
  { name: '$$REMOVE omits the field', spec: { a: 1, h: '$$REMOVE' }, doc, expected: { _id: 1, a: 1 } },
  { name: 'a computed field below a scalar replaces it with a document', spec: { 'a.b': { $literal: 1 } }, doc: { _id: 1, a: 1 }, expected: { _id: 1, a: { b: 1 } } },
  {
    name: 'a computed field in each array element (the scalars were not included)', spec: { 'a.b': 'x' },
    doc: { _id: 1, a: [{ c: 1 }, 2] }, expected: { _id: 1, a: [{ b: 'x' }] },
  },
  { name: 'the $slice expression', spec: { x: { $slice: ['$a', 1] } }, doc: { _id: 1, a: [1, 2, 3] }, expected: { _id: 1, x: [1] } },
];

/** [name, spec, code, message]; $project prefixes the message with "Invalid $project :: caused by :: ". */
export const SHARED_ERRORS: [string, Document, number, string?][] = [
  ['exclusion in an inclusion', { a: 1, b: 0 }, 31254, 'Cannot do exclusion on field b in inclusion projection'],
  ['inclusion in an exclusion', { a: 0, b: 1 }, 31253, 'Cannot do inclusion on field b in exclusion projection'],
  ['an expression in an exclusion', { a: 0, b: { $add: [1, 2] } }, 31252, 'Cannot use expression other than $meta in exclusion projection'],
  ['a literal in an exclusion', { a: 0, b: 'x' }, 31310, 'Cannot use an expression b: "x" in an exclusion projection'],
  ['an array literal in an exclusion', { a: 0, b: [1.5] }, 31310, 'Cannot use an expression b: [ 1.5 ] in an exclusion projection'],
  ['a path below an included one', { a: 1, 'a.b': 1 }, 31249, 'Path collision at a.b remaining portion b'],
  ['a deeper path below an included one', { 'a.b': 1, 'a.b.c.d': 1 }, 31249, 'Path collision at a.b.c.d remaining portion b.c.d'],
  ['the same path twice', { 'a.b': 1, a: { b: 1 } }, 31250, 'Path collision at b'],
  ['an unknown expression', { a: { $foo: 1 } }, 31325, 'Unknown expression $foo'],
  ['an unknown nested expression', { v: { $type: { $nonExistent: 'foo' } } }, 168, "Unrecognized expression '$nonExistent'"],
  ['an empty sub-projection', { a: {} }, 51270, 'An empty sub-projection is not a valid value. Found empty object at path'],
  ['an empty field name', { '': true }, 40352, 'FieldPath cannot be constructed with empty string'],
  ['an empty path component', { 'v..d': true }, 15998, 'FieldPath field names may not be empty strings.'],
  ['a $-prefixed field', { $a: 1 }, 16410, "FieldPath field names may not start with '$'. Consider using $getField or $setField."],
  ['two operators make a sub-projection of $-prefixed fields', { v: { $type: 42, $op: 42 } }, 16410],
  [
    'a positional operator in the middle of a path', { 'a.$.b': 1 }, 31394,
    "As of 4.4, it's illegal to specify positional operator in the middle of a path.Positional projection may only be used at the end, for example: a.b.$. If the query previously used a form like a.b.$.d, remove the parts following the '$' and the results will be equivalent.",
  ],
  ['$meta of an unknown name', { s: { $meta: 'bogus' } }, 17308, 'Unsupported argument to $meta: bogus'],
  ['$meta textScore without a $text query', { s: { $meta: 'textScore' } }, 40218, 'query requires text score metadata, but it is not available'],
  ['$meta of metadata eddydb does not keep', { s: { $meta: 'searchScore' } }, 238, "$meta: 'searchScore' is not supported in projections by eddydb"],
];

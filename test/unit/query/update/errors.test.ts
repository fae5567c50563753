import { describe, test } from 'node:test';
import { Long } from 'bson';
import { runErrorCase, type ErrorCase } from './helpers.js';

const cases: ErrorCase[] = [
  {
    name: 'unknown modifier', update: { $foo: { a: 1 } }, code: 9,
    message: 'Unknown modifier: $foo. Expected a valid update modifier or pipeline-style update specified as an array',
  },
  {
    name: 'field mixed into an operator update', update: { $set: { a: 1 }, b: 2 }, code: 9,
    message: 'Unknown modifier: b. Expected a valid update modifier or pipeline-style update specified as an array',
  },
  {
    name: 'modifier that is not a document', update: { $set: 1 }, code: 9,
    message: 'Modifiers operate on fields but we found type int instead. For example: {$mod: {<field>: ...}} not {$set: 1}',
  },
  {
    name: 'modifier that is an array', update: { $set: [] }, code: 9,
    message: 'Modifiers operate on fields but we found type array instead. For example: {$mod: {<field>: ...}} not {$set: []}',
  },
  { name: 'same path twice', update: { $set: { a: 1 }, $inc: { a: 1 } }, code: 40, message: "Updating the path 'a' would create a conflict at 'a'" },
  { name: 'parent after child', update: { $set: { 'a.b': 1 }, $unset: { a: 1 } }, code: 40, message: "Updating the path 'a' would create a conflict at 'a'" },
  { name: 'child after parent', update: { $set: { a: 1, 'a.b': 1 } }, code: 40, message: "Updating the path 'a.b' would create a conflict at 'a'" },
  { name: 'empty path', update: { $set: { '': 1 } }, code: 56, message: 'An empty update path is not valid.' },
  { name: 'empty component', update: { $set: { 'a..b': 1 } }, code: 56, message: "The update path 'a..b' contains an empty field name, which is not allowed." },
  {
    name: '$inc on a string', doc: { _id: 1, a: 'x' }, update: { $inc: { a: 1 } }, code: 14,
    message: "Cannot apply $inc to a value of non-numeric type. {_id: 1} has the field 'a' of non-numeric type string",
  },
  {
    name: '$mul on a string without _id', doc: { a: 'x' }, update: { $mul: { a: 1 } }, code: 14,
    message: "Cannot apply $mul to a value of non-numeric type. {no id} has the field 'a' of non-numeric type string",
  },
  { name: '$inc with a string', update: { $inc: { a: 'x' } }, code: 14, message: 'Cannot increment with non-numeric argument: {a: "x"}' },
  { name: '$mul with a string', update: { $mul: { a: 'x' } }, code: 14, message: 'Cannot multiply with non-numeric argument: {a: "x"}' },
  {
    name: '$inc long overflow', doc: { _id: 1, a: Long.MAX_VALUE }, update: { $inc: { a: 1 } }, code: 2,
    message: 'Failed to apply $inc operations to current value ((NumberLong)9223372036854775807) for document {_id: 1}',
  },
  { name: 'create below a scalar', doc: { _id: 1, a: 1 }, update: { $set: { 'a.b': 1 } }, code: 28, message: "Cannot create field 'b' in element {a: 1}" },
  {
    name: 'create a named field in an array', doc: { _id: 1, a: [{ b: 1 }] }, update: { $set: { 'a.b': 2 } }, code: 28,
    message: "Cannot create field 'b' in element {a: [ { b: 1 } ]}",
  },
  { name: 'create below null', doc: { _id: 1, a: null }, update: { $set: { 'a.b': 1 } }, code: 28, message: "Cannot create field 'b' in element {a: null}" },
  {
    name: '$pop through a scalar', doc: { _id: 1, a: 1 }, update: { $pop: { 'a.b': 1 } }, code: 28,
    message: 'Cannot use the part (b) of (a.b) to traverse the element ({a: 1})',
  },
  { name: 'change _id', doc: { _id: 1 }, update: { $set: { _id: 2 } }, code: 66, message: "Performing an update on the path '_id' would modify the immutable field '_id'" },
  { name: 'unset _id', doc: { _id: 1 }, update: { $unset: { _id: 1 } }, code: 66, message: "Performing an update on the path '_id' would modify the immutable field '_id'" },
  { name: 'change inside _id', doc: { _id: { a: 1 } }, update: { $set: { '_id.a': 2 } }, code: 66, message: "Performing an update on the path '_id.a' would modify the immutable field '_id'" },
  { name: '$inc _id', doc: { _id: 1 }, update: { $inc: { _id: 1 } }, code: 66 },
  { name: '$rename _id', doc: { _id: 1 }, update: { $rename: { _id: 'x' } }, code: 66, message: "Unsetting the path '_id' using $rename would modify the immutable field '_id'" },
  { name: '$set a top-level $ field', doc: { _id: 1 }, update: { $set: { $x: 1 } }, code: 52, message: "The dollar ($) prefixed field '$x' in '$x' is not valid for storage." },
  { name: '$set _id to an array', doc: { a: 1 }, update: { $set: { _id: [1] } }, code: 53, message: "The '_id' value cannot be of type array" },
  {
    name: '$push to a non-array', doc: { _id: 1, a: 1 }, update: { $push: { a: 2 } }, code: 2,
    message: "The field 'a' must be an array but is of type int in document {_id: 1}",
  },
  { name: '$push bad clause', update: { $push: { a: { $each: [1], $foo: 1 } } }, code: 2, message: 'Unrecognized clause in $push: $foo' },
  { name: '$push $each not an array', update: { $push: { a: { $each: 1 } } }, code: 2, message: 'The argument to $each in $push must be an array but it was of type: int' },
  { name: '$push bad $slice', update: { $push: { a: { $each: [1], $slice: 1.5 } } }, code: 2, message: 'The value for $slice must be an integer value but was given type: double' },
  { name: '$push bad $sort', update: { $push: { a: { $each: [1], $sort: 2 } } }, code: 2, message: 'The $sort element value must be either 1 or -1' },
  { name: '$push empty $sort', update: { $push: { a: { $each: [1], $sort: {} } } }, code: 2, message: 'The $sort pattern is empty when it should be a set of fields.' },
  { name: '$push bad $position', update: { $push: { a: { $each: [1], $position: 'x' } } }, code: 2, message: 'The value for $position must be an integer value, not of type: string' },
  {
    name: '$addToSet to a non-array', doc: { _id: 1, a: 1 }, update: { $addToSet: { a: 2 } }, code: 2,
    message: "Cannot apply $addToSet to non-array field. Field named 'a' has non-array type int",
  },
  { name: '$addToSet $each not an array', update: { $addToSet: { a: { $each: 1 } } }, code: 14 },
  { name: '$pop bad value', update: { $pop: { a: 2 } }, code: 9, message: '$pop expects 1 or -1, found: 2' },
  { name: '$pop not a number', update: { $pop: { a: 'x' } }, code: 9 },
  { name: '$pop on a non-array', doc: { _id: 1, a: 1 }, update: { $pop: { a: 1 } }, code: 14, message: "Path 'a' contains an element of non-array type 'int'" },
  { name: '$pull on a non-array', doc: { _id: 1, a: 1 }, update: { $pull: { a: 1 } }, code: 2, message: 'Cannot apply $pull to a non-array value' },
  { name: '$pullAll with a non-array', update: { $pullAll: { a: 1 } }, code: 2, message: '$pullAll requires an array argument but was given a int' },
  { name: '$rename to itself', update: { $rename: { a: 'a' } }, code: 2, message: 'The source and target field for $rename must differ: a: "a"' },
  { name: '$rename into itself', update: { $rename: { a: 'a.b' } }, code: 2, message: 'The source and target field for $rename must not be on the same path: a: "a.b"' },
  { name: '$rename to a non-string', update: { $rename: { a: 1 } }, code: 2, message: "The 'to' field for $rename must be a string: a: 1" },
  { name: '$rename dynamic source', update: { $rename: { 'a.$': 'b' } }, code: 2, message: 'The source field for $rename may not be dynamic: a.$' },
  { name: '$rename conflicts with $set', update: { $rename: { a: 'b' }, $set: { b: 1 } }, code: 40, message: "Updating the path 'b' would create a conflict at 'b'" },
  {
    name: '$rename out of an array element', doc: { _id: 1, a: [{ b: 1 }] }, update: { $rename: { 'a.0.b': 'c' } }, code: 2,
    message: "The source field cannot be an array element, 'a.0.b' in doc with _id: 1 has an array field called 'a'",
  },
  { name: '$currentDate bad type', update: { $currentDate: { a: { $type: 'x' } } }, code: 2 },
  { name: '$currentDate bad option', update: { $currentDate: { a: { x: 1 } } }, code: 2, message: 'Unrecognized $currentDate option: x' },
  {
    name: '$currentDate number', update: { $currentDate: { a: 1 } }, code: 2,
    message: "int is not valid type for $currentDate. Please use a boolean ('true') or a $type expression ({$type: 'timestamp/date'}).",
  },
  { name: '$v is internal', update: { $v: 2, $set: { a: 1 } }, code: 9 },
  { name: 'replacement changes _id', doc: { _id: 1 }, update: { _id: 2, a: 1 }, code: 66, message: "After applying the update, the (immutable) field '_id' was found to have been altered to _id: 2" },
  { name: 'replacement with a $ field', doc: { _id: 1 }, update: { a: 1, $set: { b: 1 } }, code: 52, message: "The dollar ($) prefixed field '$set' in '$set' is not valid for storage." },
  { name: 'arrayFilters with a pipeline', update: [{ $set: { a: 1 } }], options: { arrayFilters: [{ x: 1 }] }, code: 9, message: 'arrayFilters may not be specified for pipeline-style updates' },
];

describe('update errors', () => {
  for (const c of cases) test(c.name, () => runErrorCase(c));
});

import assert from 'node:assert/strict';
import { bsonTypeOf, compareValues, isDocument } from '../../../../src/bson/index.js';
import { MongoServerError } from '../../../../src/errors/index.js';

/**
 * Asserts BSON equality including types: plain JS numbers in `expected` stand for what the bson serializer would
 * write (an integer in int32 range is an int, anything else a double), so `3` expects an Int32 and `2.5` a Double.
 * Document field order matters, as in MongoDB.
 */
export function assertBson(actual: unknown, expected: unknown, path = '$'): void {
  if (expected === undefined) {
    assert.equal(actual, undefined, `${path}: expected missing, got ${String(actual)}`);
    return;
  }
  const ta = actual === undefined ? 'missing' : bsonTypeOf(actual);
  const te = bsonTypeOf(expected);
  assert.equal(ta, te, `${path}: expected type ${te}, got ${ta} (${describe(actual)})`);
  if (Array.isArray(expected)) {
    const a = actual as unknown[];
    assert.equal(a.length, expected.length, `${path}: array length ${a.length} != ${expected.length} (${describe(actual)})`);
    expected.forEach((e, i) => assertBson(a[i], e, `${path}[${i}]`));
    return;
  }
  if (isDocument(expected)) {
    const a = actual as Record<string, unknown>;
    assert.deepEqual(Object.keys(a), Object.keys(expected), `${path}: field names/order (${describe(actual)})`);
    for (const k of Object.keys(expected)) assertBson(a[k], expected[k], `${path}.${k}`);
    return;
  }
  if (te === 'double' && Number.isNaN(Number((expected as { valueOf(): unknown }).valueOf()))) {
    assert.ok(Number.isNaN(Number((actual as { valueOf(): unknown }).valueOf())), `${path}: expected NaN`);
    return;
  }
  assert.equal(compareValues(actual, expected), 0, `${path}: expected ${describe(expected)}, got ${describe(actual)}`);
  if (te === 'decimal') assert.equal(String(actual), String(expected), `${path}: decimal digits`);
}

export function describe(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x)) ?? String(v);
  } catch {
    return String(v);
  }
}

/** Asserts that `fn` throws a MongoServerError with `code` (and, when given, exactly `message`). */
export function assertCode(fn: () => unknown, code: number, message?: string | RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof MongoServerError, `expected MongoServerError, got ${String(err)}`);
    assert.equal(err.code, code, `code for "${err.message}"`);
    if (typeof message === 'string') assert.equal(err.message, message);
    else if (message) assert.match(err.message, message);
    return true;
  });
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Double } from 'bson';
import { evaluateExpression } from '../../../../src/query/expressions/index.js';
import { MongoServerError } from '../../../../src/errors/index.js';

test('$rand gives doubles in [0, 1) and refuses arguments', () => {
  const values = Array.from({ length: 200 }, () => evaluateExpression({ $rand: {} }, {}));
  for (const v of values) {
    assert.ok(v instanceof Double);
    assert.ok(v.value >= 0 && v.value < 1);
  }
  assert.ok(new Set(values.map((v) => (v as Double).value)).size > 150, 'values vary');
  assert.throws(() => evaluateExpression({ $rand: { seed: 1 } }, {}), (err: unknown) => err instanceof MongoServerError && err.code === 3040501);
});

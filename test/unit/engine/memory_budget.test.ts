import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import {
  checkMemoryBudget, configureMemoryBudget, DEFAULT_BUDGET_FRACTION, heapLimitBytes, isOverMemoryBudget, memoryBudgetBytes,
} from '../../../src/engine/memory_budget.js';
import { backgroundOperation, Operation } from '../../../src/engine/operation.js';
import { MongoServerError } from '../../../src/errors/index.js';

describe('the process heap budget', () => {
  afterEach(() => configureMemoryBudget(undefined));

  test('defaults to a share of V8 heap limit', () => {
    configureMemoryBudget(undefined);
    assert.equal(memoryBudgetBytes(), Math.floor(heapLimitBytes() * DEFAULT_BUDGET_FRACTION));
    assert.equal(isOverMemoryBudget(), false);
    checkMemoryBudget();
  });

  test('over the budget, checkMemoryBudget throws ExceededMemoryLimit naming the parameter', () => {
    configureMemoryBudget(1);
    assert.equal(memoryBudgetBytes(), 1024 * 1024);
    assert.throws(checkMemoryBudget, (err: unknown) => {
      assert.ok(err instanceof MongoServerError);
      assert.equal(err.code, 146);
      assert.equal(err.codeName, 'ExceededMemoryLimit');
      assert.match(err.message, /^the server's JavaScript heap holds \d+ MB, more than its budget of 1 MB \(maxHeapBudgetMB\): the operation was refused so that the server keeps running$/);
      return true;
    });
  });

  test('a new budget applies at the next check, without waiting for a sample', () => {
    configureMemoryBudget(1);
    assert.equal(isOverMemoryBudget(), true);
    configureMemoryBudget(1024 * 1024);
    assert.equal(isOverMemoryBudget(), false);
  });

  test('checks between samples reuse the last measure', () => {
    configureMemoryBudget(1024 * 1024);
    for (let i = 0; i < 10_000; i++) assert.equal(isOverMemoryBudget(), false);
  });

  test('a command stops at its next yield point when the heap is over the budget; background work goes on', async () => {
    const command = new Operation(7, { op: 'command', ns: 'db.c', command: { aggregate: 'c' }, connectionId: 1, client: '' });
    await command.yieldIfDue();
    configureMemoryBudget(1);
    await assert.rejects(command.yieldIfDue(), (err: unknown) => err instanceof MongoServerError && err.code === 146);
    await backgroundOperation('trim the oplog').yieldIfDue();
  });
});

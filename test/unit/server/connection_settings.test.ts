import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openFileLimit, resolveConnectionSettings } from '../../../src/server/connection_settings.js';

describe('resolveConnectionSettings', () => {
  test('maxConns is 80% of the open-file limit, and a larger request is lowered to it', () => {
    assert.equal(resolveConnectionSettings({ openFileLimit: 1024 }).settings.maxConns, 819);
    const reduced = resolveConnectionSettings({ openFileLimit: 1024, maxConns: 5000 });
    assert.deepEqual([reduced.settings.maxConns, reduced.reducedFrom], [819, 5000]);
    const kept = resolveConnectionSettings({ openFileLimit: 1024, maxConns: 100 });
    assert.deepEqual([kept.settings.maxConns, kept.reducedFrom], [100, undefined]);
    assert.equal(resolveConnectionSettings({ openFileLimit: 100_000_000 }).settings.maxConns, 1_000_000);
  });

  test('defaults: a quarter of maxConns may be establishing (at least 100), 30 s per message, no idle timeout', () => {
    const big = resolveConnectionSettings({ openFileLimit: 100_000 }).settings;
    assert.deepEqual(big, { maxConns: 80_000, reservedLoopbackConns: 10, maxEstablishingConns: 20_000, idleConnectionTimeoutMS: 0, partialMessageTimeoutMS: 30_000 });
    assert.equal(resolveConnectionSettings({ openFileLimit: 1024 }).settings.maxEstablishingConns, 204);
    assert.equal(resolveConnectionSettings({ openFileLimit: 1024, maxConns: 40 }).settings.maxEstablishingConns, 40);
    assert.equal(resolveConnectionSettings({ openFileLimit: 1024, maxConns: 300 }).settings.maxEstablishingConns, 100);
  });

  test('this process has an open-file limit, read from the system', () => {
    const limit = openFileLimit();
    assert.ok(limit === undefined || (Number.isInteger(limit) && limit > 0));
  });
});

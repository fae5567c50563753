import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectionLimits, isLoopbackAddress, type LimitedConnection } from '../../../src/wire/connection_limits.js';

function tracked(name: string, closed: string[]): LimitedConnection {
  return { closeForLimit: () => closed.push(name) };
}

describe('ConnectionLimits', () => {
  test('loopback addresses: 127.0.0.0/8, ::1 and their IPv4-mapped forms', () => {
    for (const a of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) assert.equal(isLoopbackAddress(a), true, a);
    for (const a of ['10.0.0.1', '::ffff:10.0.0.1', 'fd00::2', '128.0.0.1', undefined]) assert.equal(isLoopbackAddress(a), false, String(a));
  });

  test('admits up to maxConns and counts releases', () => {
    const limits = new ConnectionLimits({ maxConns: 2, reservedLoopbackConns: 0 });
    assert.deepEqual([limits.admit('10.0.0.1'), limits.admit('127.0.0.1'), limits.admit('127.0.0.1')], [true, true, false]);
    assert.equal(limits.openCount, 2);
    limits.release();
    assert.equal(limits.admit('10.0.0.2'), true);
  });

  test('the last reservedLoopbackConns slots admit only loopback clients; remote clients keep at least one', () => {
    const limits = new ConnectionLimits({ maxConns: 4, reservedLoopbackConns: 2 });
    assert.deepEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3'].map((a) => limits.admit(a)), [true, true, false]);
    assert.deepEqual(['::1', '127.0.0.1', '::1'].map((a) => limits.admit(a)), [true, true, false]);
    const tight = new ConnectionLimits({ maxConns: 2, reservedLoopbackConns: 10 });
    assert.deepEqual([tight.admit('10.0.0.1'), tight.admit('10.0.0.2'), tight.admit('127.0.0.1')], [true, false, true]);
  });

  test('past maxEstablishingConns the oldest waiting connection is closed; one that spoke leaves the line', () => {
    const closed: string[] = [];
    const limits = new ConnectionLimits({ maxEstablishingConns: 2 });
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((n) => tracked(n, closed)) as [LimitedConnection, LimitedConnection, LimitedConnection, LimitedConnection];
    limits.startEstablishing(a);
    limits.startEstablishing(b);
    limits.finishEstablishing(a);
    limits.startEstablishing(c);
    assert.deepEqual(closed, []);
    limits.startEstablishing(d);
    assert.deepEqual(closed, ['b']);
    assert.equal(limits.establishingCount, 2);
  });
});

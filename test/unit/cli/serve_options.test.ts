import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { HELP_TEXT, parseCommandLine, UsageError, type CliCommand } from '../../../src/cli/serve_options.js';

function serve(args: string[]) {
  const command: CliCommand = parseCommandLine(args, '/work/here');
  assert.equal(command.kind, 'serve');
  return (command as Extract<CliCommand, { kind: 'serve' }>).options;
}

function usageError(args: string[], message: RegExp): void {
  assert.throws(() => parseCommandLine(args, '/work/here'), (err: unknown) => {
    assert.ok(err instanceof UsageError, `expected a UsageError, got ${String(err)}`);
    assert.equal(err.exitCode, 2);
    assert.match(err.message, message);
    return true;
  });
}

describe('eddydb command line', () => {
  test('no arguments and a bare `serve` both serve with mongod-like defaults', () => {
    for (const args of [[], ['serve']]) {
      const o = serve(args);
      assert.equal(o.port, 27017);
      assert.equal(o.bindIp, '127.0.0.1');
      assert.equal(o.dbpath, resolve('/work/here', 'data'));
      assert.equal(o.replSet, 'rs0');
      assert.equal(o.enableTestCommands, false);
      assert.equal(o.oplogSizeMB, undefined);
      assert.deepEqual(o.parsed, {});
      assert.deepEqual(o.argv, ['eddydb', ...args]);
    }
  });

  test('mongod flag names, in both --name value and --name=value form', () => {
    const o = serve([
      'serve', '--port', '0', '--bind_ip=127.0.0.1,::1', '--dbpath', 'db1', '--replSet', 'set9',
      '--setParameter', 'enableTestCommands=1', '--oplogSizeMB=64', '--quiet', '--slowms', '250', '--synchronous', 'full',
    ]);
    assert.equal(o.port, 0);
    assert.equal(o.bindIp, '127.0.0.1,::1');
    assert.equal(o.dbpath, resolve('/work/here', 'db1'));
    assert.equal(o.replSet, 'set9');
    assert.equal(o.enableTestCommands, true);
    assert.equal(o.oplogSizeMB, 64);
    assert.equal(o.quiet, true);
    assert.equal(o.slowMs, 250);
    assert.equal(o.synchronous, 'full');
    // getCmdLineOpts' parsed: pymongo 3.11 reads setParameter.enableTestCommands as the string "1".
    assert.deepEqual(o.parsed, {
      net: { port: 0, bindIp: '127.0.0.1,::1' },
      replication: { replSet: 'set9', oplogSizeMB: 64 },
      storage: { dbPath: 'db1' },
      setParameter: { enableTestCommands: '1' },
      systemLog: { quiet: true },
      operationProfiling: { slowOpThresholdMs: 250 },
    });
    assert.ok(o.argv!.includes('enableTestCommands=1'));
  });

  test('--inMemory and --storageEngine inMemory give a memory database', () => {
    assert.equal(serve(['--inMemory']).dbpath, ':memory:');
    assert.equal(serve(['--storageEngine', 'inMemory', '--dbpath', 'x']).dbpath, ':memory:');
    assert.equal(serve(['--storageEngine', 'wiredTiger']).dbpath, resolve('/work/here', 'data'));
  });

  test('a replSet seed list keeps only the set name', () => {
    assert.equal(serve(['--replSet', 'rs1/a:1,b:2']).replSet, 'rs1');
  });

  test('--maxConns takes a positive integer and shows in parsed.net', () => {
    const o = serve(['--maxConns', '5']);
    assert.equal(o.maxConns, 5);
    assert.deepEqual(o.parsed, { net: { maxIncomingConnections: 5 } });
    assert.equal(serve([]).maxConns, undefined);
    assert.throws(() => parseCommandLine(['--maxConns', '0']), /--maxConns/);
    assert.throws(() => parseCommandLine(['--maxConns=1.5']), /--maxConns/);
  });

  test('the connection caps and timeouts take integers and show in parsed.net', () => {
    const o = serve([
      '--reservedLoopbackConns', '0', '--maxEstablishingConns', '7', '--idleConnectionTimeoutMS', '600000', '--partialMessageTimeoutMS=0',
    ]);
    assert.equal(o.reservedLoopbackConns, 0);
    assert.equal(o.maxEstablishingConns, 7);
    assert.equal(o.idleConnectionTimeoutMS, 600_000);
    assert.equal(o.partialMessageTimeoutMS, 0);
    assert.deepEqual(o.parsed, {
      net: { reservedLoopbackConns: 0, maxEstablishingConns: 7, idleConnectionTimeoutMS: 600_000, partialMessageTimeoutMS: 0 },
    });
    const none = serve([]);
    assert.deepEqual(
      [none.reservedLoopbackConns, none.maxEstablishingConns, none.idleConnectionTimeoutMS, none.partialMessageTimeoutMS],
      [undefined, undefined, undefined, undefined],
    );
    assert.throws(() => parseCommandLine(['--maxEstablishingConns', '0']), /'--maxEstablishingConns' is invalid/);
    assert.throws(() => parseCommandLine(['--idleConnectionTimeoutMS', '-1']), /--idleConnectionTimeoutMS/);
    assert.throws(() => parseCommandLine(['--partialMessageTimeoutMS', '1.5']), /--partialMessageTimeoutMS/);
    assert.throws(() => parseCommandLine(['--reservedLoopbackConns']), /required argument for option '--reservedLoopbackConns'/);
  });

  test('--bind_ip_all listens everywhere', () => {
    assert.equal(serve(['--bind_ip_all']).bindIp, '0.0.0.0');
  });

  test('help and version', () => {
    assert.deepEqual(parseCommandLine(['--help']), { kind: 'help' });
    assert.deepEqual(parseCommandLine(['serve', '-h']), { kind: 'help' });
    assert.deepEqual(parseCommandLine(['help']), { kind: 'help' });
    assert.deepEqual(parseCommandLine(['--version']), { kind: 'version' });
    for (const flag of ['--port', '--bind_ip', '--dbpath', '--replSet', '--setParameter', '--oplogSizeMB', '--inMemory', '--quiet']) {
      assert.ok(HELP_TEXT.includes(flag), `help lists ${flag}`);
    }
  });

  test('bad command lines are UsageErrors with mongod messages (exit code 2)', () => {
    usageError(['--bogus'], /^Error parsing command line: unrecognised option '--bogus'$/);
    usageError(['--port'], /the required argument for option '--port' is missing/);
    usageError(['--port', '--quiet'], /the required argument for option '--port' is missing/);
    usageError(['--port', 'abc'], /the argument \('abc'\) for option '--port' is invalid/);
    usageError(['--port', '70000'], /port number must be between 0 and 65535/);
    usageError(['--oplogSizeMB', '0'], /for option '--oplogSizeMB' is invalid/);
    usageError(['--quiet=yes'], /does not take any arguments/);
    usageError(['serve', 'extra'], /too many positional options/);
    usageError(['frobnicate'], /unknown command 'frobnicate'/);
    usageError(['--setParameter', 'noSuchThing=1'], /Unknown --setParameter 'noSuchThing'/);
    usageError(['--setParameter', 'featureCompatibilityVersion=7.0'], /Cannot use --setParameter to set "featureCompatibilityVersion" at startup/);
    usageError(['--setParameter', 'enableTestCommands=maybe'], /Bad value for parameter "enableTestCommands"/);
    usageError(['--setParameter', 'enableTestCommands'], /Illegal option assignment/);
    usageError(['--setParameter', 'transactionLifetimeLimitSeconds=0'], /Bad value for parameter "transactionLifetimeLimitSeconds"/);
    usageError(['--setParameter', 'transactionLifetimeLimitSeconds=ten'], /Bad value for parameter "transactionLifetimeLimitSeconds"/);
    usageError(['--storageEngine', 'rocks'], /unknown storage engine 'rocks'/);
    usageError(['--synchronous', 'sometimes'], /for option '--synchronous' is invalid/);
  });

  test('transactionLifetimeLimitSeconds reaches the server options', () => {
    assert.equal(serve(['--setParameter', 'transactionLifetimeLimitSeconds=5']).transactionLifetimeLimitSeconds, 5);
    assert.equal(serve([]).transactionLifetimeLimitSeconds, undefined);
  });

  test('ttlMonitorSleepSecs and ttlMonitorEnabled reach the server options', () => {
    const options = serve(['--setParameter', 'ttlMonitorSleepSecs=1', '--setParameter', 'ttlMonitorEnabled=false']);
    assert.equal(options.ttlMonitorSleepSecs, 1);
    assert.equal(options.ttlMonitorEnabled, false);
    assert.equal(serve([]).ttlMonitorSleepSecs, undefined);
    usageError(['--setParameter', 'ttlMonitorSleepSecs=0'], /Bad value for parameter "ttlMonitorSleepSecs"/);
    usageError(['--setParameter', 'ttlMonitorEnabled=maybe'], /Bad value for parameter "ttlMonitorEnabled"/);
  });

  test('maxHeapBudgetMB reaches the server options, and must be a whole number of megabytes', () => {
    assert.equal(serve(['--setParameter', 'maxHeapBudgetMB=512']).maxHeapBudgetMB, 512);
    assert.equal(serve([]).maxHeapBudgetMB, undefined);
    usageError(['--setParameter', 'maxHeapBudgetMB=0'], /Bad value for parameter "maxHeapBudgetMB"/);
    usageError(['--setParameter', 'maxHeapBudgetMB=1.5'], /Bad value for parameter "maxHeapBudgetMB"/);
  });

  test('enableTestCommands=0 keeps test commands off', () => {
    assert.equal(serve(['--setParameter', 'enableTestCommands=0']).enableTestCommands, false);
    assert.equal(serve(['--setParameter', 'enableTestCommands=true']).enableTestCommands, true);
  });
});

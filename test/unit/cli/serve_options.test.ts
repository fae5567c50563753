import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
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

  test('--pgUri keeps the data in PostgreSQL; its password never reaches getCmdLineOpts', () => {
    const uri = 'postgresql://app:s3cret@db.example:5433/eddy';
    for (const args of [['--pgUri', uri], ['--storageEngine', 'postgres', '--pgUri', uri], [`--pgUri=${uri}`]]) {
      const o = serve(args);
      assert.equal(o.pgUri, uri);
      assert.deepEqual((o.parsed!.storage as Record<string, unknown>), { engine: 'postgres', pgUri: 'postgresql://app:xxx@db.example:5433/eddy' });
      assert.ok(!JSON.stringify(o.argv).includes('s3cret'), JSON.stringify(o.argv));
      assert.ok(JSON.stringify(o.argv).includes('postgresql://app:xxx@db.example:5433/eddy'));
    }
    assert.equal(serve(['--dbpath', 'x']).pgUri, undefined);
    usageError(['--storageEngine', 'postgres'], /--storageEngine postgres needs --pgUri/);
    usageError(['--pgUri', '/var/lib/data'], /the argument \('\/var\/lib\/data'\) for option '--pgUri' is invalid/);
    usageError(['--pgUri', uri, '--inMemory'], /--inMemory conflicts with --pgUri/);
    usageError(['--pgUri', uri, '--storageEngine', 'sqlite'], /--pgUri conflicts with --storageEngine sqlite/);
    usageError(['--pgUri', 'postgres://u:pw@h/db', '--storageEngine', 'inMemory'], /conflicts/);
  });

  test('TLS options: mongod names, resolved paths, net.tls in parsed with the password redacted', () => {
    const o = serve([
      '--tlsMode', 'requireTLS', '--tlsCertificateKeyFile', 'certs/server.pem', '--tlsCertificateKeyFilePassword', 's3cret',
      '--tlsCAFile=certs/ca.pem', '--tlsAllowConnectionsWithoutCertificates', '--tlsAllowInvalidCertificates',
      '--tlsDisabledProtocols', 'TLS1_0,TLS1_1',
    ]);
    assert.equal(o.tlsMode, 'requireTLS');
    assert.equal(o.tlsCertificateKeyFile, resolve('/work/here', 'certs/server.pem'));
    assert.equal(o.tlsCAFile, resolve('/work/here', 'certs/ca.pem'));
    assert.equal(o.tlsCertificateKeyFilePassword, 's3cret');
    assert.equal(o.tlsAllowConnectionsWithoutCertificates, true);
    assert.equal(o.tlsAllowInvalidCertificates, true);
    assert.equal(o.tlsDisabledProtocols, 'TLS1_0,TLS1_1');
    assert.deepEqual(o.parsed, {
      net: {
        tls: {
          mode: 'requireTLS', certificateKeyFile: 'certs/server.pem', certificateKeyFilePassword: '<password>', CAFile: 'certs/ca.pem',
          allowConnectionsWithoutCertificates: true, allowInvalidCertificates: true, disabledProtocols: 'TLS1_0,TLS1_1',
        },
      },
    });
    assert.deepEqual(o.argv!.slice(5, 7), ['--tlsCertificateKeyFilePassword', '<password>']);
    assert.ok(!o.argv!.includes('s3cret'));
    assert.ok(serve(['--tlsMode=allowTLS', '--tlsCertificateKeyFile=k.pem', '--tlsCertificateKeyFilePassword=pw']).argv!.includes('--tlsCertificateKeyFilePassword=<password>'));
    assert.equal(serve(['--tlsMode', 'disabled']).tlsMode, 'disabled');
    assert.equal(serve([]).tlsMode, undefined);
    for (const flag of ['--tlsMode', '--tlsCertificateKeyFile', '--tlsCertificateKeyFilePassword', '--tlsCAFile', '--tlsAllowConnectionsWithoutCertificates', '--tlsAllowInvalidCertificates', '--tlsDisabledProtocols', '--keyFile']) {
      assert.ok(HELP_TEXT.includes(flag), `help lists ${flag}`);
    }
  });

  test('TLS combinations mongod refuses are UsageErrors with its words', () => {
    usageError(['--tlsMode', 'requireTLS'], /^BadValue: need tlsCertificateKeyFile or certificateSelector when TLS is enabled$/);
    usageError(['--tlsMode', 'always', '--tlsCertificateKeyFile', 'k.pem'], /^BadValue: unsupported value for tlsMode always$/);
    usageError(['--tlsCAFile', 'ca.pem'], /^BadValue: need to enable TLS via the sslMode\/tlsMode flag when using TLS configuration parameters$/);
    usageError(['--tlsAllowConnectionsWithoutCertificates'], /need to enable TLS via the sslMode\/tlsMode flag/);
    usageError(['--tlsMode', 'allowTLS', '--tlsCertificateKeyFile', 'k.pem', '--tlsDisabledProtocols', 'TLS1_2,TLS9'], /^BadValue: Unrecognized disabledProtocols 'TLS9'$/);
    // mongod's older spellings and 'none' are accepted.
    assert.equal(serve(['--tlsMode', 'allowTLS', '--tlsCertificateKeyFile', 'k.pem', '--tlsDisabledProtocols', 'noTLS1_0,noTLS1_1']).tlsDisabledProtocols, 'noTLS1_0,noTLS1_1');
    assert.equal(serve(['--tlsMode', 'allowTLS', '--tlsCertificateKeyFile', 'k.pem', '--tlsDisabledProtocols', 'none']).tlsDisabledProtocols, 'none');
  });

  test('--keyFile: read and checked at parse time, implies --auth, shown as security.keyFile', () => {
    const dir = mkdtempSync(join(tmpdir(), 'eddydb-cli-keyfile-'));
    try {
      const path = join(dir, 'key');
      writeFileSync(path, 'c2VjcmV0a2V5\n');
      chmodSync(path, 0o600);
      const o = serve(['--keyFile', path]);
      assert.equal(o.keyFile, 'c2VjcmV0a2V5');
      assert.equal(o.auth, true, 'a key file turns access control on');
      assert.deepEqual(o.parsed, { security: { keyFile: path } });
      assert.deepEqual(serve(['--keyFile', path, '--auth']).parsed, { security: { keyFile: path, authorization: 'enabled' } });
      chmodSync(path, 0o644);
      usageError(['--keyFile', path], new RegExp(`^permissions on ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} are too open$`));
      usageError(['--keyFile', join(dir, 'missing')], /^Error reading file .*missing: No such file or directory$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
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

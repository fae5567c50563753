import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { defaultOplogSizeBytes, resolveOplogSizeBytes } from '../../../src/server/oplog_size.js';
import { parseCommandLine, UsageError } from '../../../src/cli/serve_options.js';
import { removeDir, tempDir } from '../../helpers/embedded.js';

const MB = 1024 * 1024;
const GB = 1024 * MB;

describe("mongod's default oplog size", () => {
  test('a data folder gets 5% of the free disk space', () => {
    assert.equal(defaultOplogSizeBytes({ kind: 'disk', freeBytes: 100 * GB }), 5 * GB);
    assert.equal(defaultOplogSizeBytes({ kind: 'disk', freeBytes: 40 * GB + 20 }), 2 * GB + 1);
  });

  test('at least 990 MB on disk, even when the disk is nearly full', () => {
    assert.equal(defaultOplogSizeBytes({ kind: 'disk', freeBytes: 10 * GB }), 990 * MB);
    assert.equal(defaultOplogSizeBytes({ kind: 'disk', freeBytes: 0 }), 990 * MB);
  });

  test('at most 50 GB', () => {
    assert.equal(defaultOplogSizeBytes({ kind: 'disk', freeBytes: 4000 * GB }), 50 * GB);
    assert.equal(defaultOplogSizeBytes({ kind: 'memory', totalBytes: 2000 * GB }), 50 * GB);
  });

  test('in memory: 5% of physical memory, at least 50 MB', () => {
    assert.equal(defaultOplogSizeBytes({ kind: 'memory', totalBytes: 16 * GB }), Math.floor(16 * GB * 0.05));
    assert.equal(defaultOplogSizeBytes({ kind: 'memory', totalBytes: 512 * MB }), 50 * MB);
  });

  test('--oplogSizeMB overrides the default', () => {
    assert.equal(resolveOplogSizeBytes(':memory:', 2.5), Math.floor(2.5 * MB));
    assert.equal(resolveOplogSizeBytes('/does/not/matter', 64), 64 * MB);
  });

  test('measures this machine when not given', () => {
    // os.totalmem() can move a little between two calls (a container's limit), hence the tolerance.
    const memory = defaultOplogSizeBytes({ kind: 'memory', totalBytes: os.totalmem() });
    assert.ok(Math.abs(resolveOplogSizeBytes(':memory:', undefined) - memory) <= memory * 0.01);
    const dir = tempDir();
    try {
      const size = resolveOplogSizeBytes(dir, undefined);
      assert.ok(size >= 990 * MB && size <= 50 * GB, String(size));
    } finally {
      removeDir(dir);
    }
    // An unmeasurable folder gets the floor.
    assert.equal(resolveOplogSizeBytes('/nonexistent/eddydb/path', undefined), 990 * MB);
  });
});

describe('--oplogMinRetentionHours', () => {
  test('parses into startServer options and the storage section of getCmdLineOpts', () => {
    const cmd = parseCommandLine(['serve', '--oplogMinRetentionHours', '1.5', '--inMemory']);
    assert.equal(cmd.kind, 'serve');
    if (cmd.kind !== 'serve') return;
    assert.equal(cmd.options.oplogMinRetentionHours, 1.5);
    assert.equal((cmd.options.parsed!.storage as { oplogMinRetentionHours: number }).oplogMinRetentionHours, 1.5);
    const none = parseCommandLine(['serve', '--inMemory']);
    assert.equal(none.kind === 'serve' ? none.options.oplogMinRetentionHours : 'x', undefined);
  });

  test('a negative or non-numeric value is a usage error', () => {
    assert.throws(() => parseCommandLine(['--oplogMinRetentionHours', '-1']), UsageError);
    assert.throws(() => parseCommandLine(['--oplogMinRetentionHours=abc']), /for option '--oplogMinRetentionHours' is invalid/);
  });
});

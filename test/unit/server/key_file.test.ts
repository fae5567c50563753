import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeyFileError, readKeyFile } from '../../../src/server/key_file.js';

describe('--keyFile, read and checked as mongod', () => {
  const dir = mkdtempSync(join(tmpdir(), 'eddydb-keyfile-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Writes a key file readable by its owner only, unless `mode` says otherwise. */
  function keyFile(name: string, text: string, mode = 0o400): string {
    const path = join(dir, name);
    writeFileSync(path, text);
    chmodSync(path, mode);
    return path;
  }

  function refused(path: string, message: string): void {
    assert.throws(() => readKeyFile(path), (err: unknown) => {
      assert.ok(err instanceof KeyFileError, String(err));
      assert.equal(err.message, message);
      return true;
    });
  }

  test('the key is its base64 characters, whitespace removed', () => {
    assert.equal(readKeyFile(keyFile('good', 'abc def\n+/=1 2\t3\r\n')), 'abcdef+/=123');
    assert.equal(readKeyFile('good', dir), 'abcdef+/=123', 'a relative path is resolved against the working folder');
    assert.equal(readKeyFile(keyFile('owner-write', 'a'.repeat(1024), 0o600)), 'a'.repeat(1024));
  });

  test('a missing file', () => {
    const path = join(dir, 'nowhere');
    refused(path, `Error reading file ${path}: No such file or directory`);
  });

  test('a file readable by group or others is too open (POSIX)', { skip: process.platform === 'win32' }, () => {
    for (const mode of [0o440, 0o404, 0o644, 0o700 | 0o010]) {
      const path = keyFile(`open-${mode.toString(8)}`, 'abcdefgh', mode);
      refused(path, `permissions on ${path} are too open`);
    }
  });

  test('a character outside base64 and whitespace', () => {
    const path = keyFile('bad-char', 'abcdef-ghij');
    refused(path, `invalid char in key file ${path}: -`);
  });

  test('fewer than 6 or more than 1024 characters', () => {
    const short = keyFile('short', 'abc de\n');
    refused(short, `security key in ${short} has length 5, must be between 6 and 1024 chars`);
    const long = keyFile('long', `${'a'.repeat(1025)}\n`);
    refused(long, `security key in ${long} has length 1025, must be between 6 and 1024 chars`);
  });
});

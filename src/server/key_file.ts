/**
 * mongod's `--keyFile`: the shared secret members of a deployment authenticate to each other with (as the
 * `__system` user). It is read and checked as mongod does, and never logged.
 */
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';

/** A key file mongod would refuse; the message is mongod's. */
export class KeyFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyFileError';
  }
}

const MIN_KEY_LENGTH = 6;
const MAX_KEY_LENGTH = 1024;

/** "ENOENT: no such file or directory, stat '/x'" → "No such file or directory", as strerror words it. */
function systemReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const match = /^[A-Z]+: ([^,]+)/.exec(message);
  const reason = match ? match[1]! : message;
  return reason.charAt(0).toUpperCase() + reason.slice(1);
}

/**
 * The key in the file at `path` (relative to `cwd`): its base64 characters, whitespace removed. Throws KeyFileError
 * when the file cannot be read, is readable by its group or others (POSIX), holds anything but base64 characters
 * and whitespace, or holds fewer than 6 or more than 1024 characters.
 */
export function readKeyFile(path: string, cwd = process.cwd()): string {
  const absolute = resolve(cwd, path);
  let mode: number;
  try {
    mode = statSync(absolute).mode;
  } catch (err) {
    throw new KeyFileError(`Error reading file ${absolute}: ${systemReason(err)}`);
  }
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) throw new KeyFileError(`permissions on ${absolute} are too open`);
  let text: string;
  try {
    text = readFileSync(absolute, 'latin1');
  } catch (err) {
    throw new KeyFileError(`error opening file: ${absolute}: ${systemReason(err)}`);
  }
  let key = '';
  for (const c of text) {
    if (c === ' ' || (c >= '\t' && c <= '\r')) continue;
    if (!/[A-Za-z0-9+/=]/.test(c)) throw new KeyFileError(`invalid char in key file ${absolute}: ${c}`);
    key += c;
  }
  if (key.length < MIN_KEY_LENGTH || key.length > MAX_KEY_LENGTH) {
    throw new KeyFileError(`security key in ${absolute} has length ${key.length}, must be between ${MIN_KEY_LENGTH} and ${MAX_KEY_LENGTH} chars`);
  }
  return key;
}

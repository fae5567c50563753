/**
 * A file of reserved disk space in the data folder (`reserved.space`). When the disk fills, SQLite can no longer
 * append to its write-ahead log, and a delete or a drop needs log space just like an insert: without room nothing
 * could ever free space from inside. So the storage keeps this file while the disk has room, deletes it at the first
 * write that fails for lack of space (the space it held goes to the deletes and drops that follow), and makes it
 * again when there is room once more: at the next open, or after a checkpoint that succeeds.
 */
import { closeSync, fsyncSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { randomFillSync } from 'node:crypto';
import { join } from 'node:path';
import type { StorageEventLog } from '../types.js';

export const RESERVED_SPACE_FILE_NAME = 'reserved.space';
/** Enough write-ahead log for deletes and drops of a good many documents. */
export const RESERVED_SPACE_BYTES = 16 * 1024 * 1024;
const CHUNK_BYTES = 1024 * 1024;

export class ReservedSpace {
  readonly path: string;
  private held = false;

  constructor(dir: string, private readonly log: StorageEventLog | undefined, readonly bytes = RESERVED_SPACE_BYTES) {
    this.path = join(dir, RESERVED_SPACE_FILE_NAME);
  }

  /** True while the file exists at its full size. */
  get isHeld(): boolean {
    return this.held;
  }

  /**
   * Makes the file when it is missing or short. Without room for it, leaves no partial file and returns false; any
   * other failure throws.
   */
  ensure(): boolean {
    if (fileSize(this.path) === this.bytes) {
      this.held = true;
      return true;
    }
    const partial = `${this.path}.tmp`;
    try {
      // Random bytes, not zeros: a file system that compresses or skips zero blocks must allocate them.
      const chunk = randomFillSync(Buffer.allocUnsafe(CHUNK_BYTES));
      const fd = openSync(partial, 'w');
      try {
        for (let written = 0; written < this.bytes; written += CHUNK_BYTES) writeSync(fd, chunk, 0, Math.min(CHUNK_BYTES, this.bytes - written));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(partial, this.path);
    } catch (err) {
      removeIfPresent(partial);
      if (!isOutOfSpace(err)) throw err;
      return false;
    }
    const wasReleased = !this.held;
    this.held = true;
    if (wasReleased) this.log?.({ msg: 'Reserved disk space for deletes and drops', component: 'STORAGE', attr: { path: this.path, bytes: this.bytes } });
    return true;
  }

  /** Deletes the file after a write failed for lack of space, so that the next writes (deletes, drops) have room. */
  release(cause: string): void {
    if (!removeIfPresent(this.path) && !this.held) return;
    this.held = false;
    this.log?.({
      msg: 'The disk is full: released the reserved disk space so that deletes and drops can run',
      component: 'STORAGE',
      attr: { path: this.path, bytes: this.bytes, error: cause },
    });
  }
}

/** True for an error that means the disk (or the database's size limit) is full. */
export function isOutOfSpace(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT';
}

function fileSize(path: string): number | null {
  try {
    return statSync(path).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Removes `path`; false when it was not there. */
function removeIfPresent(path: string): boolean {
  try {
    unlinkSync(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

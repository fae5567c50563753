/**
 * Exclusive ownership of a data folder, as mongod does it: `<dir>/mongod.lock` holds the owner's pid. A file
 * naming a live process other than this one means the folder is taken; an empty file, garbage, or the pid of
 * a dead process is stale and is taken over. The lock file alone cannot tell two storages of this process apart
 * (the pid is ours), so an in-process set of open folders covers that case. SqliteStorage also holds SQLite's
 * exclusive lock on the database file, which closes the race between two processes taking over one stale file.
 */
import { closeSync, openSync, readFileSync, realpathSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { StorageError } from '../types.js';

export const LOCK_FILE_NAME = 'mongod.lock';

/**
 * Real paths of folders a storage in this process holds. Deliberately process-wide, not per storage: the lock file
 * names its owner by pid, which every storage of this process shares, so only a registry as wide as the pid can
 * refuse a second claim from this process. Without it the second claim would pass the pid check, and its release
 * would delete the lock file the first still relies on.
 */
const foldersHeldByThisProcess = new Set<string>();

/** mongod's message for a folder already in use (clients and scripts match on it). */
export function dbPathInUse(dir: string): StorageError {
  return new StorageError(
    'DBPathInUse',
    `Unable to lock the lock file: ${join(dir, LOCK_FILE_NAME)} (Resource temporarily unavailable). ` +
      `Another mongod instance is already running on the ${dir} directory`,
  );
}

/** A claim on a folder: taken by `claimFolder`, made visible with `writePid`, given up with `release`. */
export class FolderLock {
  private released = false;
  private pidWritten = false;

  private constructor(
    /** The folder as the user named it, made absolute (used in messages). */
    readonly dir: string,
    private readonly realDir: string,
  ) {}

  /**
   * Claims `dir` (an existing folder, absolute) for this process, or throws `StorageError('DBPathInUse')` if
   * another storage of this process or another live process holds it.
   */
  static claim(dir: string): FolderLock {
    const realDir = realpathSync(dir);
    if (foldersHeldByThisProcess.has(realDir)) throw dbPathInUse(dir);
    const holder = readLockPid(join(realDir, LOCK_FILE_NAME));
    if (holder !== null && holder !== process.pid && isAlive(holder)) throw dbPathInUse(dir);
    foldersHeldByThisProcess.add(realDir);
    return new FolderLock(dir, realDir);
  }

  /** Writes this process's pid into the lock file (call once the database itself is locked). */
  writePid(): void {
    const fd = openSync(join(this.realDir, LOCK_FILE_NAME), 'w');
    try {
      writeSync(fd, `${process.pid}\n`);
    } finally {
      closeSync(fd);
    }
    this.pidWritten = true;
  }

  /** Gives the folder up: removes the lock file if this claim wrote it, and forgets the folder. Idempotent. */
  release(): void {
    if (this.released) return;
    this.released = true;
    foldersHeldByThisProcess.delete(this.realDir);
    if (!this.pidWritten) return;
    const path = join(this.realDir, LOCK_FILE_NAME);
    // Only remove a file that still names us: never delete another process's claim.
    if (readLockPid(path) !== process.pid) return;
    try {
      unlinkSync(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}

/** The pid a lock file names, or null when it is missing, empty or unreadable as a pid. */
function readLockPid(path: string): number | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return null;
  const pid = Number(trimmed);
  return pid > 0 && Number.isSafeInteger(pid) ? pid : null;
}

/** Signal 0 probes a process without touching it: ESRCH means gone, EPERM means alive but not ours. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The server's default oplog size, computed as mongod computes it when --oplogSizeMB is not given
 * (https://www.mongodb.com/docs/manual/core/replica-set-oplog/#oplog-size): a share of the space the data lives in.
 */
import { statfsSync } from 'node:fs';
import os from 'node:os';

const MB = 1024 * 1024;
const GB = 1024 * MB;

/** Where the data lives, as the default computation needs it. */
export type OplogSizeBasis =
  /** A data folder: the bytes free to this process on its file system. */
  | { kind: 'disk'; freeBytes: number }
  /** An in-memory database: the machine's physical memory. */
  | { kind: 'memory'; totalBytes: number };

/**
 * mongod's default oplog size in bytes: 5% of the free disk space, at least 990 MB, for a data folder; 5% of the
 * physical memory, at least 50 MB, in memory; never more than 50 GB. Pure, so tests can hand it any figures.
 */
export function defaultOplogSizeBytes(basis: OplogSizeBasis): number {
  const [available, floor] = basis.kind === 'disk' ? [basis.freeBytes, 990 * MB] : [basis.totalBytes, 50 * MB];
  const share = Math.floor(Math.max(0, available) * 0.05);
  return Math.min(50 * GB, Math.max(floor, share));
}

/**
 * The oplog size a server on `dbpath` uses: `oplogSizeMB` when given, else the default measured on this machine
 * (the file system of `dbpath`, which must exist, or os.totalmem() for ':memory:'). When the file system cannot
 * be measured, or the data lives on another machine (null: PostgreSQL), the 990 MB floor.
 */
export function resolveOplogSizeBytes(dbpath: string | null, oplogSizeMB: number | undefined): number {
  if (oplogSizeMB !== undefined) return Math.floor(oplogSizeMB * MB);
  if (dbpath === ':memory:') return defaultOplogSizeBytes({ kind: 'memory', totalBytes: os.totalmem() });
  let freeBytes = 0;
  try {
    if (dbpath === null) throw new Error('not a folder');
    const stats = statfsSync(dbpath);
    freeBytes = stats.bavail * stats.bsize;
  } catch {
    // An unmeasurable file system gets the floor, as a nearly full one would.
  }
  return defaultOplogSizeBytes({ kind: 'disk', freeBytes });
}

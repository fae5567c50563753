/**
 * The connection caps and timeouts of a server: what was asked, narrowed to what the process's file-descriptor
 * limit allows, as mongod does.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { DEFAULT_CONNECTION_SETTINGS, DEFAULT_MAX_CONNS, type ConnectionSettings } from '../wire/index.js';

/** mongod serves at most 80% of the open-file limit as connections: the rest is for data files, listeners and logs. */
const CONNECTION_SHARE_OF_FILE_LIMIT = 0.8;

/** With no --maxEstablishingConns, this share of maxConns, but at least MIN_ESTABLISHING (or maxConns when lower). */
const ESTABLISHING_SHARE = 0.25;
const MIN_ESTABLISHING = 100;

/**
 * This process's soft limit on open files (what `ulimit -n` shows; Node raises it to the hard limit at start), or
 * undefined when it cannot be read.
 */
export function openFileLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
    if (soft === 'unlimited') return undefined;
    if (soft !== undefined && /^\d+$/.test(soft)) return Number(soft);
  } catch {
    // not Linux: ask a shell, which inherits this process's limit
  }
  try {
    const text = execFileSync('/bin/sh', ['-c', 'ulimit -n'], { encoding: 'utf8', timeout: 2000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return /^\d+$/.test(text) ? Number(text) : undefined;
  } catch {
    return undefined;
  }
}

/** The connection options of a server (mongod's name where it has one); absent fields take their defaults. */
export interface ConnectionRequest {
  /**
   * Most client connections open at once, across all listeners (mongod's --maxConns); one more is closed at once.
   * Default, and upper bound, as mongod: 80% of the open-file limit (`ulimit -n`), at most 1,000,000.
   */
  maxConns?: number;
  /**
   * When a listener is on a non-loopback address, the last this many of the maxConns slots are kept for clients
   * from a loopback address, so an operator on the machine can still connect (default 10).
   */
  reservedLoopbackConns?: number;
  /**
   * Most connections that have not yet sent a whole first message; one more closes the one waiting longest.
   * Default: a quarter of maxConns, at least 100.
   */
  maxEstablishingConns?: number;
  /** A connection silent this long, with no command running and no cursor open, is closed; 0 (default): never. */
  idleConnectionTimeoutMS?: number;
  /**
   * A message still incomplete this long after its first byte (the first message: after connecting), or a reply
   * still unread this long after it was written, closes its connection; 0: never. Default 30,000.
   */
  partialMessageTimeoutMS?: number;
  /** @internal The open-file limit maxConns is derived from (default: this process's); for tests. */
  openFileLimit?: number;
}

/** The settings, and the maxConns that was asked but not allowed (for a warning), if any. */
export interface ResolvedConnectionSettings {
  settings: ConnectionSettings;
  reducedFrom?: number;
}

export function resolveConnectionSettings(request: ConnectionRequest): ResolvedConnectionSettings {
  const fileLimit = request.openFileLimit ?? openFileLimit();
  const supported = fileLimit === undefined ? DEFAULT_MAX_CONNS : Math.max(1, Math.floor(fileLimit * CONNECTION_SHARE_OF_FILE_LIMIT));
  const asked = request.maxConns ?? DEFAULT_MAX_CONNS;
  const maxConns = Math.min(asked, supported);
  const reducedFrom = request.maxConns !== undefined && request.maxConns > maxConns ? request.maxConns : undefined;
  const maxEstablishingConns =
    request.maxEstablishingConns ?? Math.max(Math.floor(maxConns * ESTABLISHING_SHARE), Math.min(maxConns, MIN_ESTABLISHING));
  return {
    settings: {
      maxConns,
      reservedLoopbackConns: request.reservedLoopbackConns ?? DEFAULT_CONNECTION_SETTINGS.reservedLoopbackConns,
      maxEstablishingConns,
      idleConnectionTimeoutMS: request.idleConnectionTimeoutMS ?? DEFAULT_CONNECTION_SETTINGS.idleConnectionTimeoutMS,
      partialMessageTimeoutMS: request.partialMessageTimeoutMS ?? DEFAULT_CONNECTION_SETTINGS.partialMessageTimeoutMS,
    },
    reducedFrom,
  };
}

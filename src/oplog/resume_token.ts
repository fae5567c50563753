import { mongoError } from '../errors/index.js';
import { isDocument, type Document } from '../bson/types.js';

/**
 * A resume token: where a change stream stands in the oplog. Opaque to clients (`{_data: "<hex>"}`), versioned,
 * and its hex string sorts in commit order.
 *
 * Layout (big-endian, hex-encoded): version (1 byte) | ts (8 bytes) | position (2 bytes) | flags (1 byte) |
 * fragment (2 bytes). `position` is the index of the event among the events one oplog entry produces for a stream
 * (a drop entry gives `drop` at 0 and `invalidate` at 1 on a collection stream); a high-water mark, which stands
 * after every event of its entry, uses 0xffff. `fragment` is 0, or n for the n-th fragment of an event split by
 * $changeStreamSplitLargeEvent (so a stream can resume in the middle of a split event).
 */
export interface ResumePoint {
  ts: bigint;
  position: number;
  /** The token of an invalidate event: `startAfter` accepts it, `resumeAfter` refuses it (260). */
  fromInvalidate: boolean;
  /** 1-based fragment of a split event; 0 or absent for a whole event. */
  fragment?: number;
}

const VERSION = 1;
export const HIGH_WATER_MARK_POSITION = 0xffff;
const FLAG_INVALIDATE = 1;

export function encodeResumeToken(point: ResumePoint): { _data: string } {
  const buf = Buffer.alloc(14);
  buf.writeUInt8(VERSION, 0);
  buf.writeBigUInt64BE(point.ts, 1);
  buf.writeUInt16BE(point.position, 9);
  buf.writeUInt8(point.fromInvalidate ? FLAG_INVALIDATE : 0, 11);
  buf.writeUInt16BE(point.fragment ?? 0, 12);
  return { _data: buf.toString('hex').toUpperCase() };
}

/** A high-water-mark token: every entry up to and including `ts` has been scanned. */
export function highWaterMarkToken(ts: bigint): { _data: string } {
  return encodeResumeToken({ ts, position: HIGH_WATER_MARK_POSITION, fromInvalidate: false });
}

/**
 * Decodes a token a client handed back. Anything that is not one of ours fails with BadValue (2) as mongod does for
 * a malformed `_data`, so a token from another deployment never silently resumes at a wrong place.
 */
export function decodeResumeToken(token: unknown): ResumePoint {
  if (!isDocument(token)) throw mongoError('TypeMismatch', `resume token must be an object, found ${typeof token}`);
  const data = (token as Document)._data;
  if (typeof data !== 'string') {
    throw mongoError('BadValue', 'Expected resume token to have a string _data field');
  }
  if (!/^[0-9A-Fa-f]{28}$/.test(data)) throw mongoError('BadValue', `Invalid resume token: ${JSON.stringify(data)}`);
  const buf = Buffer.from(data, 'hex');
  if (buf.readUInt8(0) !== VERSION) throw mongoError('BadValue', `Unsupported resume token version ${buf.readUInt8(0)}`);
  return {
    ts: buf.readBigUInt64BE(1),
    position: buf.readUInt16BE(9),
    fromInvalidate: (buf.readUInt8(11) & FLAG_INVALIDATE) !== 0,
    fragment: buf.readUInt16BE(12),
  };
}

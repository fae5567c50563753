import { calculateObjectSize, Int32, MAX_BSON_OBJECT_SIZE } from '../bson/index.js';
import type { Document } from '../bson/types.js';
import { mongoError } from '../errors/index.js';
import { encodeResumeToken, type ResumePoint } from '../oplog/resume_token.js';

/** The largest event (or fragment) a stream may return: mongod's user document limit. */
export const MAX_EVENT_BYTES = MAX_BSON_OBJECT_SIZE;

/**
 * $changeStreamSplitLargeEvent: splits an event over 16 MiB into fragments of whole top-level fields, in order.
 * Each fragment carries its own resume token (so a stream can resume between fragments) and
 * `splitEvent: {fragment, of}`. A single field too large for one fragment cannot be split (BSONObjectTooLarge).
 */
export function splitLargeEvent(event: Document, point: ResumePoint): Document[] {
  const fields = Object.entries(event).filter(([k]) => k !== '_id');
  // Room for _id (a token) and splitEvent in every fragment.
  const overhead = calculateObjectSize({ _id: encodeResumeToken({ ...point, fragment: 1 }), splitEvent: { fragment: new Int32(1), of: new Int32(1) } });
  const groups: [string, unknown][][] = [];
  let current: [string, unknown][] = [];
  let size = overhead;
  for (const [key, value] of fields) {
    const fieldSize = calculateObjectSize({ [key]: value }) - 5;
    if (overhead + fieldSize > MAX_EVENT_BYTES) {
      throw mongoError('BSONObjectTooLarge', `Change stream event field '${key}' is too large to fit in a fragment of $changeStreamSplitLargeEvent (size ${fieldSize})`);
    }
    if (size + fieldSize > MAX_EVENT_BYTES && current.length > 0) {
      groups.push(current);
      current = [];
      size = overhead;
    }
    current.push([key, value]);
    size += fieldSize;
  }
  if (current.length > 0) groups.push(current);
  return groups.map((group, i) => ({
    _id: encodeResumeToken({ ...point, fragment: i + 1 }),
    splitEvent: { fragment: new Int32(i + 1), of: new Int32(groups.length) },
    ...Object.fromEntries(group),
  }));
}

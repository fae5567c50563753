import { Timestamp } from '../bson/index.js';
import { bsonTypeOf, isDocument, type Document } from '../bson/types.js';
import { badEnumValueError, mongoError, MongoServerError, unknownFieldError, wrongTypeError } from '../errors/index.js';
import { decodeResumeToken, type ResumePoint } from '../oplog/resume_token.js';
import { fromTimestamp } from '../oplog/cluster_clock.js';

export const FULL_DOCUMENT_MODES = ['default', 'updateLookup', 'whenAvailable', 'required'] as const;
export const FULL_DOCUMENT_BEFORE_CHANGE_MODES = ['off', 'whenAvailable', 'required'] as const;
export type FullDocumentMode = (typeof FULL_DOCUMENT_MODES)[number];
export type FullDocumentBeforeChangeMode = (typeof FULL_DOCUMENT_BEFORE_CHANGE_MODES)[number];

/** The parsed `$changeStream` stage. */
export interface ChangeStreamSpec {
  fullDocument: FullDocumentMode;
  fullDocumentBeforeChange: FullDocumentBeforeChangeMode;
  resumeAfter?: ResumePoint;
  startAfter?: ResumePoint;
  /** Packed cluster time (inclusive). */
  startAtOperationTime?: bigint;
  showExpandedEvents: boolean;
  allChangesForCluster: boolean;
}

const KNOWN_FIELDS = new Set([
  'fullDocument', 'fullDocumentBeforeChange', 'resumeAfter', 'startAfter', 'startAtOperationTime', 'showExpandedEvents',
  'allChangesForCluster', 'allowToRunOnConfigDB', 'allowToRunOnSystemNS', 'showMigrationEvents', 'showSystemEvents',
  'showRawUpdateDescription',
]);

function enumValue<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string') {
    throw wrongTypeError(`$changeStream.${field}`, bsonTypeOf(value), 'string');
  }
  if (!(allowed as readonly string[]).includes(value)) {
    throw badEnumValueError(`$changeStream.${field}`, value);
  }
  return value as T;
}

function boolValue(field: string, value: unknown): boolean {
  if (typeof value !== 'boolean') {
    throw wrongTypeError(`$changeStream.${field}`, bsonTypeOf(value), 'bool');
  }
  return value;
}

function tokenValue(field: string, value: unknown): ResumePoint {
  if (!isDocument(value)) {
    throw wrongTypeError(`$changeStream.${field}`, bsonTypeOf(value), 'object');
  }
  return decodeResumeToken(value);
}

/**
 * Parses and validates a `$changeStream` stage's options with mongod's codes: unknown field 40415, wrong type 14,
 * bad enum value 2, resumeAfter + startAfter 50865, a token + startAtOperationTime 40674.
 */
export function parseChangeStreamSpec(raw: unknown): ChangeStreamSpec {
  if (!isDocument(raw)) {
    throw mongoError('FailedToParse', `the $changeStream stage must be an object, but found type ${bsonTypeOf(raw)}`);
  }
  const doc = raw as Document;
  for (const key of Object.keys(doc)) {
    if (!KNOWN_FIELDS.has(key)) throw unknownFieldError(`$changeStream.${key}`);
  }
  const spec: ChangeStreamSpec = {
    fullDocument: doc.fullDocument === undefined ? 'default' : enumValue('fullDocument', doc.fullDocument, FULL_DOCUMENT_MODES),
    fullDocumentBeforeChange: doc.fullDocumentBeforeChange === undefined ? 'off' : enumValue('fullDocumentBeforeChange', doc.fullDocumentBeforeChange, FULL_DOCUMENT_BEFORE_CHANGE_MODES),
    showExpandedEvents: doc.showExpandedEvents === undefined ? false : boolValue('showExpandedEvents', doc.showExpandedEvents),
    allChangesForCluster: doc.allChangesForCluster === undefined ? false : boolValue('allChangesForCluster', doc.allChangesForCluster),
  };
  if (doc.resumeAfter !== undefined) spec.resumeAfter = tokenValue('resumeAfter', doc.resumeAfter);
  if (doc.startAfter !== undefined) spec.startAfter = tokenValue('startAfter', doc.startAfter);
  if (doc.startAtOperationTime !== undefined) {
    if (!(doc.startAtOperationTime instanceof Timestamp)) {
      throw wrongTypeError('$changeStream.startAtOperationTime', bsonTypeOf(doc.startAtOperationTime), 'timestamp');
    }
    spec.startAtOperationTime = fromTimestamp(doc.startAtOperationTime);
  }
  if (spec.resumeAfter && spec.startAfter) {
    throw new MongoServerError(50865, "Do not specify both 'resumeAfter' and 'startAfter' in a $changeStream stage");
  }
  if ((spec.resumeAfter || spec.startAfter) && spec.startAtOperationTime !== undefined) {
    throw new MongoServerError(40674, 'Only one type of resume option is allowed, but multiple were found.');
  }
  return spec;
}

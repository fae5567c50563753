/**
 * BSON value classes the expression operators construct ($toObjectId, $tsSecond callers) that src/bson/index.ts
 * does not re-export yet. Kept in this one file so that the import moves to '../../bson/index.js' in one edit
 * once the bson layer exports ObjectId and Timestamp.
 */
export { ObjectId, Timestamp } from 'bson';

import { documentToString, valueToString } from '../bson/index.js';

/** Values printed as mongod prints them in messages (`{ _id: 1 }`, `"abc"`), for errmsg strings clients match on. */
export { valueToString as formatValue };

export function formatKeyValue(doc: Record<string, unknown>): string {
  return documentToString(doc);
}

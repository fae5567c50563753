import { EJSON } from 'bson';

/** A short, stable rendering of a filter or document for test names. */
export function show(v: unknown): string {
  try {
    return EJSON.stringify(v as never, { relaxed: true }).replace(/"([A-Za-z_$][\w$]*)":/g, '$1:');
  } catch {
    return String(v);
  }
}

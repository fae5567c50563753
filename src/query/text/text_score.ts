import type { Document } from '../../bson/index.js';

/**
 * The text score of the documents a `$text` query returned, kept beside them (mongod keeps it as document
 * metadata): `{$meta: 'textScore'}` reads it, and stages that replace a document carry it to their output.
 */
const scores = new WeakMap<Document, number>();
let anyScored = false;

export function setTextScore(doc: Document, score: number): void {
  anyScored = true;
  scores.set(doc, score);
}

/** The document's text score, or undefined when no `$text` query scored it. */
export function textScoreOf(doc: unknown): number | undefined {
  return anyScored && doc !== null && typeof doc === 'object' ? scores.get(doc as Document) : undefined;
}

/** The documents a stage made from `from`, given its score if it had one (an iterable is scored as it is read). */
export function carryTextScore<T extends Iterable<Document>>(from: Document, produced: T): T {
  const score = anyScored ? scores.get(from) : undefined;
  if (score === undefined) return produced;
  if (Array.isArray(produced)) {
    for (const doc of produced as Document[]) if (!scores.has(doc)) scores.set(doc, score);
    return produced;
  }
  return (function* scored() {
    for (const doc of produced) {
      if (!scores.has(doc)) scores.set(doc, score);
      yield doc;
    }
  })() as unknown as T;
}

/** True once any document has been scored in this process (stages skip the lookups until then). */
export function textScoresInUse(): boolean {
  return anyScored;
}

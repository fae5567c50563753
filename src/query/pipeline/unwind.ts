import { isDocument, Long, type Document } from '../../bson/index.js';
import { MongoServerError } from '../../errors/index.js';
import { typeName, validateFieldPath } from '../expressions/index.js';
import { getNested, removeNested, setNested } from './paths.js';
import type { StageParser } from './types.js';

/**
 * $unwind (https://www.mongodb.com/docs/manual/reference/operator/aggregation/unwind/): one output per element of
 * the array at `path`. A non-array value counts as a one-element array; null, missing and [] drop the document
 * unless `preserveNullAndEmptyArrays` (an empty array is then removed). `includeArrayIndex` adds the index as a
 * long, or null when the value was not an array.
 */
interface ParsedUnwind {
  path: string[];
  index: string[] | null;
  preserve: boolean;
}

function parseSpec(spec: unknown): ParsedUnwind {
  let path: string | undefined;
  let index: string | undefined;
  let preserve = false;
  if (typeof spec === 'string') {
    path = spec;
  } else if (isDocument(spec)) {
    for (const key of Object.keys(spec)) {
      const v = spec[key];
      if (key === 'path') {
        if (typeof v !== 'string') throw new MongoServerError(28808, `expected a string as the path for $unwind stage, got ${typeName(v)}`);
        path = v;
      } else if (key === 'preserveNullAndEmptyArrays') {
        if (typeof v !== 'boolean') {
          throw new MongoServerError(28809, `expected a boolean for the preserveNullAndEmptyArrays option to $unwind stage, got ${typeName(v)}`);
        }
        preserve = v;
      } else if (key === 'includeArrayIndex') {
        if (typeof v !== 'string' || v.length === 0) {
          throw new MongoServerError(28810, `expected a non-empty string for the includeArrayIndex option to $unwind stage, got ${typeName(v)}`);
        }
        if (v.startsWith('$')) {
          throw new MongoServerError(28822, `includeArrayIndex option to $unwind stage should not be prefixed with a '$': ${v}`);
        }
        index = v;
      } else {
        throw new MongoServerError(28811, `unrecognized option to $unwind stage: ${key}`);
      }
    }
    if (path === undefined) throw new MongoServerError(28812, 'no path specified to $unwind stage');
  } else {
    throw new MongoServerError(15981, `expected either a string or an object as specification for $unwind stage, got ${typeName(spec)}`);
  }
  if (path.length === 0 || !path.startsWith('$')) {
    throw new MongoServerError(28818, `path option to $unwind stage should be prefixed with a '$': ${path}`);
  }
  return { path: validateFieldPath(path.slice(1)), index: index === undefined ? null : validateFieldPath(index), preserve };
}

/** Arrays longer than this are unwound lazily. */
const LAZY_UNWIND_ELEMENTS = 1024;

function* expand(values: readonly unknown[], make: (el: unknown, i: number) => Document): Generator<Document> {
  for (let i = 0; i < values.length; i++) yield make(values[i], i);
}

export const parseUnwind: StageParser = (raw) => {
  const spec = parseSpec(raw);
  return {
    kind: 'document',
    name: '$unwind',
    unwind: spec,
    apply(doc: Document): Document[] | Iterable<Document> {
      const value = getNested(doc, spec.path);
      const withIndex = (d: Document, i: number | null): Document =>
        spec.index ? setNested(d, spec.index, i === null ? null : Long.fromNumber(i)) : d;
      if (Array.isArray(value)) {
        if (value.length === 0) return spec.preserve ? [withIndex(removeNested(doc, spec.path), null)] : [];
        // A large array is expanded as it is read, so unwinding it never holds all its documents at once.
        if (value.length > LAZY_UNWIND_ELEMENTS) return expand(value, (el, i) => withIndex(setNested(doc, spec.path, el), i));
        return value.map((el, i) => withIndex(setNested(doc, spec.path, el), i));
      }
      if (value === undefined || value === null) return spec.preserve ? [withIndex(doc, null)] : [];
      return [withIndex(doc, null)];
    },
  };
};

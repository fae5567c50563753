export { ALL_VALUES, PRESENT_VALUES, admitsNull, byteRange, coveredBy, intersectIntervals, pathPredicates, showInterval, successor, unionIntervals, type Bound, type Interval, type PathPredicate } from './bounds.js';
export { indexBounds, indexCovers, keySpans, providedSort, scannedFields, shownBounds, type IndexBounds, type IndexFacts, type KeySpan } from './index_bounds.js';

/**
 * Byte-string order (memcmp, then length: the order SQLite gives BLOBs), as `Buffer.compare` but for short keys
 * without a call into C++: index keys are mostly a few dozen bytes, where the call's overhead costs more than the
 * loop (about 2.5 times, measured on 10–30-byte keys). The sign is the answer; the magnitude means nothing.
 */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = a.length < b.length ? a.length : b.length;
  if (n > SHORT) return Buffer.compare(a, b);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** Past this many bytes in common, memcmp's speed wins over the call's overhead. */
const SHORT = 48;

/**
 * A list of byte strings in one BLOB: each item is a 4-byte little-endian length followed by its bytes. Used
 * for a collection's index specs, which are always read and written together.
 */

/** Packs `items` into one buffer. */
export function packBlobList(items: readonly Uint8Array[]): Buffer {
  let total = 0;
  for (const item of items) total += 4 + item.byteLength;
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (const item of items) {
    out.writeUInt32LE(item.byteLength, at);
    out.set(item, at + 4);
    at += 4 + item.byteLength;
  }
  return out;
}

/** Unpacks a buffer written by `packBlobList`; throws on a truncated or corrupt one. */
export function unpackBlobList(packed: Uint8Array): Buffer[] {
  const buf = Buffer.from(packed.buffer, packed.byteOffset, packed.byteLength);
  const items: Buffer[] = [];
  let at = 0;
  while (at < buf.length) {
    if (at + 4 > buf.length) throw new Error('corrupt index list in the catalog: truncated length');
    const length = buf.readUInt32LE(at);
    const end = at + 4 + length;
    if (end > buf.length) throw new Error('corrupt index list in the catalog: truncated item');
    items.push(Buffer.from(buf.subarray(at + 4, end)));
    at = end;
  }
  return items;
}

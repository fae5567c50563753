/** Stepping over the elements of encoded BSON without decoding their values. */

/** Value sizes of the fixed-width BSON element types (https://bsonspec.org/spec.html). */
const FIXED_VALUE_SIZE: Record<number, number> = {
  0x01: 8, 0x06: 0, 0x07: 12, 0x08: 1, 0x09: 8, 0x0a: 0, 0x10: 4, 0x11: 8, 0x12: 8, 0x13: 16, 0xff: 0, 0x7f: 0,
};

/**
 * The offset just past the value of type `type` that starts at `pos`. The bytes must be well formed (they came
 * from the serializer); throws on an unknown type.
 */
export function valueEnd(bytes: Uint8Array, pos: number, type: number): number {
  const fixed = FIXED_VALUE_SIZE[type];
  if (fixed !== undefined) return pos + fixed;
  switch (type) {
    case 0x03: case 0x04: case 0x0f: return pos + int32At(bytes, pos);
    case 0x02: case 0x0d: case 0x0e: return pos + 4 + int32At(bytes, pos);
    case 0x05: return pos + 5 + int32At(bytes, pos);
    case 0x0c: return pos + 4 + int32At(bytes, pos) + 12;
    case 0x0b: return bytes.indexOf(0, bytes.indexOf(0, pos) + 1) + 1;
    default: throw new Error(`unknown BSON element type 0x${type.toString(16)}`);
  }
}

export function int32At(bytes: Uint8Array, pos: number): number {
  return bytes[pos]! | (bytes[pos + 1]! << 8) | (bytes[pos + 2]! << 16) | (bytes[pos + 3]! << 24);
}

export function writeInt32At(bytes: Uint8Array, pos: number, value: number): void {
  bytes[pos] = value & 0xff;
  bytes[pos + 1] = (value >>> 8) & 0xff;
  bytes[pos + 2] = (value >>> 16) & 0xff;
  bytes[pos + 3] = (value >>> 24) & 0xff;
}

/** Where the element named `name` (ASCII) of type `type` sits in the document at `start`, or null. */
export interface ElementPosition {
  /** Offset of the element's type byte. */
  element: number;
  /** Offset of its value. */
  value: number;
}

export function findElement(bytes: Uint8Array, start: number, name: string, type: number): ElementPosition | null {
  const end = start + int32At(bytes, start) - 1;
  let pos = start + 4;
  while (pos < end) {
    const elementType = bytes[pos]!;
    const nameEnd = bytes.indexOf(0, pos + 1);
    const value = nameEnd + 1;
    if (elementType === type && nameEnd - pos - 1 === name.length && asciiEquals(bytes, pos + 1, name)) {
      return { element: pos, value };
    }
    pos = valueEnd(bytes, value, elementType);
  }
  return null;
}

function asciiEquals(bytes: Uint8Array, pos: number, name: string): boolean {
  for (let i = 0; i < name.length; i++) if (bytes[pos + i] !== name.charCodeAt(i)) return false;
  return true;
}

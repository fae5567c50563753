import { Binary } from '../../bson/index.js';

/*
 * 2d index keys: mongod's GeoHash of a flat point, `bits` bits per coordinate interleaved (x first) over the
 * square [min, max), kept as 8 bytes of binary data, so the byte order of keys is the order of the hash and a cell
 * of the grid is one range of keys.
 */

export interface TwoDParams {
  bits: number;
  min: number;
  max: number;
}

export function twoDParams(spec: Record<string, unknown>): TwoDParams {
  const num = (v: unknown, d: number) => (v === undefined || v === null ? d : Number(v));
  return { bits: Math.trunc(num(spec.bits, 26)), min: num(spec.min, -180), max: num(spec.max, 180) };
}

function cellIndex(v: number, p: TwoDParams, level: number): number {
  const n = 2 ** level;
  const i = Math.floor(((v - p.min) / (p.max - p.min)) * n);
  return Math.max(0, Math.min(n - 1, i));
}

/** The hash of a cell (ix, iy) at `level` bits, left-aligned in 64 bits. */
function hashOf(ix: number, iy: number, level: number): bigint {
  let h = 0n;
  for (let b = level - 1; b >= 0; b--) {
    h = (h << 2n) | (BigInt((ix >>> b) & 1) << 1n) | BigInt((iy >>> b) & 1);
  }
  return h << BigInt(64 - 2 * level);
}

export function hashKey(hash: bigint): Binary {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64BE(hash);
  return new Binary(bytes, 0);
}

/** The hash of a point, at the index's full precision. */
export function pointHash(x: number, y: number, p: TwoDParams): bigint {
  return hashOf(cellIndex(x, p, p.bits), cellIndex(y, p, p.bits), p.bits);
}

/**
 * The hash ranges covering a flat box: the cells of the coarsest level at which the box spans at most 8 cells each
 * way (never finer than the index's bits), each one range of full-precision hashes.
 */
export function boxRanges(minX: number, minY: number, maxX: number, maxY: number, p: TwoDParams): [bigint, bigint][] {
  const lo = (v: number) => Math.max(p.min, Math.min(p.max, v));
  const x0 = lo(minX);
  const y0 = lo(minY);
  const x1 = lo(maxX);
  const y1 = lo(maxY);
  const side = Math.max(x1 - x0, y1 - y0, Number.MIN_VALUE);
  const level = Math.max(0, Math.min(p.bits, Math.floor(Math.log2(((p.max - p.min) * 8) / side)) - 1));
  const out: [bigint, bigint][] = [];
  const span = BigInt(64 - 2 * level);
  for (let ix = cellIndex(x0, p, level); ix <= cellIndex(x1, p, level); ix++) {
    for (let iy = cellIndex(y0, p, level); iy <= cellIndex(y1, p, level); iy++) {
      const start = hashOf(ix, iy, level);
      out.push([start, start + (1n << span) - 1n]);
    }
  }
  return out;
}

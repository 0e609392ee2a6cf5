/**
 * The varint reading shared by the hand-written protobuf decoders (the client's event replies,
 * the memstore's WriteEvents). They decode only the common shapes and leave anything unusual to
 * protobuf-es: a reader that meets what it does not handle throws {@linkcode NEEDS_REFERENCE},
 * which the decoder catches to fall back.
 *
 * @module
 */

/** Thrown by the readers (and the decoders) when the payload needs protobuf-es. */
export const NEEDS_REFERENCE: unique symbol = Symbol("needs protobuf-es");

const TWO_32 = 4294967296;

/** A read position in one payload, and the halves of the last 64-bit varint read. */
export interface VarintCursor {
  /** The payload. */
  readonly buf: Uint8Array;
  /** The next byte to read. */
  pos: number;
  /** The low 32 bits (unsigned) of the last varint read by {@linkcode varint64}. */
  lo: number;
  /** The high 32 bits (unsigned) of the last varint read by {@linkcode varint64}. */
  hi: number;
}

/**
 * Reads a varint that fits in 31 bits (tags, lengths).
 *
 * @throws {NEEDS_REFERENCE} for a larger or truncated one
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { uint31 } from "./varint_reader.ts";
 * const cursor = { buf: new Uint8Array([0xac, 0x02]), pos: 0, lo: 0, hi: 0 };
 * assert.equal(uint31(cursor), 300);
 * assert.equal(cursor.pos, 2);
 * ```
 */
export function uint31(c: VarintCursor): number {
  const buf = c.buf;
  let pos = c.pos;
  let result = 0;
  for (let shift = 0; shift < 28; shift += 7) {
    if (pos >= buf.length) throw NEEDS_REFERENCE;
    const byte = buf[pos++];
    result |= (byte & 0x7f) << shift;
    if (byte < 0x80) {
      c.pos = pos;
      return result;
    }
  }
  if (pos >= buf.length) throw NEEDS_REFERENCE;
  const byte = buf[pos++];
  if (byte > 0x07) throw NEEDS_REFERENCE;
  c.pos = pos;
  return result + byte * 0x10000000;
}

/**
 * Reads a varint of up to 10 bytes into `c.lo` and `c.hi`.
 *
 * @throws {NEEDS_REFERENCE} for a truncated or over-long one
 */
export function varint64(c: VarintCursor): void {
  const buf = c.buf;
  let pos = c.pos;
  let lo = 0;
  let hi = 0;
  let byte = 0;
  for (let shift = 0; shift < 28; shift += 7) {
    if (pos >= buf.length) throw NEEDS_REFERENCE;
    byte = buf[pos++];
    lo |= (byte & 0x7f) << shift;
    if (byte < 0x80) {
      c.pos = pos;
      c.lo = lo >>> 0;
      c.hi = 0;
      return;
    }
  }
  if (pos >= buf.length) throw NEEDS_REFERENCE;
  byte = buf[pos++];
  lo |= (byte & 0x0f) << 28;
  hi = (byte & 0x70) >> 4;
  if (byte >= 0x80) {
    for (let shift = 3; shift <= 31; shift += 7) {
      if (pos >= buf.length) throw NEEDS_REFERENCE;
      byte = buf[pos++];
      // The tenth byte may only carry the 64th bit.
      if (shift === 31 && byte > 0x01) throw NEEDS_REFERENCE;
      hi |= (byte & 0x7f) << shift;
      if (byte < 0x80) break;
      if (shift === 31) throw NEEDS_REFERENCE;
    }
  }
  c.pos = pos;
  c.lo = lo >>> 0;
  c.hi = hi >>> 0;
}

/**
 * The signed 64-bit value of two unsigned 32-bit halves.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toBigInt } from "./varint_reader.ts";
 * assert.equal(toBigInt(0xffffffff, 0xffffffff), -1n);
 * assert.equal(toBigInt(5, 1), 4294967301n);
 * ```
 */
export function toBigInt(lo: number, hi: number): bigint {
  if (hi < 0x200000) return BigInt(hi * TWO_32 + lo);
  return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
}

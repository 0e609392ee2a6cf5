/**
 * Protobuf varints written by hand: the encoders that build messages straight into a buffer (the
 * client's WriteEvents, the memstore's stored records and spliced replies) share these.
 *
 * @module
 */

/**
 * Size in bytes of the varint of `value`, a non-negative safe integer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { varintSize } from "./varint_writer.ts";
 * assert.equal(varintSize(127), 1);
 * assert.equal(varintSize(300), 2);
 * ```
 */
export function varintSize(value: number): number {
  let size = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    size++;
  }
  return size;
}

/**
 * Writes the varint of `value` (a non-negative safe integer) at `offset`; returns the offset
 * after it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeVarint } from "./varint_writer.ts";
 * const out = new Uint8Array(2);
 * assert.equal(writeVarint(out, 0, 300), 2);
 * assert.deepEqual([...out], [0xac, 0x02]);
 * ```
 */
export function writeVarint(out: Uint8Array, offset: number, value: number): number {
  while (value >= 0x80) {
    out[offset++] = (value & 0x7f) | 0x80;
    value = Math.floor(value / 128);
  }
  out[offset++] = value;
  return offset;
}

/** Size in bytes of the varint of the int64 `value` (a negative one takes 10). */
export function int64VarintSize(value: bigint): number {
  let v = BigInt.asUintN(64, value);
  let size = 1;
  while (v >= 0x80n) {
    v >>= 7n;
    size++;
  }
  return size;
}

/**
 * Writes the varint of the int64 `value` at `offset` (two's complement: a negative value takes
 * 10 bytes, as protobuf requires); returns the offset after it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeInt64Varint } from "./varint_writer.ts";
 * const out = new Uint8Array(10);
 * assert.equal(writeInt64Varint(out, 0, -1n), 10);
 * ```
 */
export function writeInt64Varint(out: Uint8Array, offset: number, value: bigint): number {
  let v = BigInt.asUintN(64, value);
  while (v >= 0x80n) {
    out[offset++] = Number(v & 0x7fn) | 0x80;
    v >>= 7n;
  }
  out[offset++] = Number(v);
  return offset;
}

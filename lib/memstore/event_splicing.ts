/**
 * Builds the event-carrying parts of replies from stored, pre-encoded `EventRecord` bytes, so a
 * read never re-serialises an event. Protobuf lets a message be written as the concatenation of
 * its fields in any order, so a reply is `[events as length-delimited field entries] +
 * encodeMessage(rest)`. Only the length-delimited framing and varints are written here.
 *
 * @module
 */

import type { ResolvedRecord } from "./storage.ts";

/** Wire type 2 (length-delimited). */
const LENGTH_DELIMITED = 2;
/** Wire type 0 (varint). */
const VARINT = 0;

function varintSize(value: bigint): number {
  let v = BigInt.asUintN(64, value);
  let size = 1;
  while (v >= 0x80n) {
    v >>= 7n;
    size++;
  }
  return size;
}

function writeVarint(value: bigint, out: Uint8Array, offset: number): number {
  let v = BigInt.asUintN(64, value);
  while (v >= 0x80n) {
    out[offset++] = Number(v & 0x7fn) | 0x80;
    v >>= 7n;
  }
  out[offset++] = Number(v);
  return offset;
}

function smallVarintSize(value: number): number {
  let size = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    size++;
  }
  return size;
}

function writeSmallVarint(value: number, out: Uint8Array, offset: number): number {
  while (value >= 0x80) {
    out[offset++] = (value & 0x7f) | 0x80;
    value = Math.floor(value / 128);
  }
  out[offset++] = value;
  return offset;
}

/** The bytes of field `field` holding the length-delimited `bytes` (a sub-message or bytes). */
export function lengthDelimitedField(field: number, bytes: Uint8Array): Uint8Array {
  const tag = (field << 3) | LENGTH_DELIMITED;
  const out = new Uint8Array(smallVarintSize(tag) + smallVarintSize(bytes.length) + bytes.length);
  let offset = writeSmallVarint(tag, out, 0);
  offset = writeSmallVarint(bytes.length, out, offset);
  out.set(bytes, offset);
  return out;
}

/** The bytes of an int64 field `field` (negative values take 10 bytes, as protobuf requires). */
export function int64Field(field: number, value: bigint): Uint8Array {
  const tag = (field << 3) | VARINT;
  const out = new Uint8Array(smallVarintSize(tag) + varintSize(value));
  writeVarint(value, out, writeSmallVarint(tag, out, 0));
  return out;
}

/** Concatenates byte arrays. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const part of parts) size += part.length;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** A `ResolvedIndexedEvent` message: `event` (field 1, absent for a failed link), `link` (2). */
export function encodeResolvedIndexedEvent(record: ResolvedRecord): Uint8Array {
  const parts: Uint8Array[] = [];
  if (record.event) parts.push(lengthDelimitedField(1, record.event.encoded));
  if (record.link) parts.push(lengthDelimitedField(2, record.link.encoded));
  return concatBytes(parts);
}

/**
 * A `ResolvedEvent` message: `event` (1), `link` (2), and the commit (3) and prepare (4) positions
 * of the original event.
 */
export function encodeResolvedEvent(record: ResolvedRecord): Uint8Array {
  const original = record.link ?? record.event!;
  const parts: Uint8Array[] = [];
  if (record.event) parts.push(lengthDelimitedField(1, record.event.encoded));
  if (record.link) parts.push(lengthDelimitedField(2, record.link.encoded));
  parts.push(int64Field(3, BigInt(original.commitPosition)));
  parts.push(int64Field(4, BigInt(original.preparePosition)));
  return concatBytes(parts);
}

/** Size of the varint encoding of a non-negative safe integer. */
function numberVarintSize(value: number): number {
  return value < 0 ? 10 : smallVarintSize(value);
}

/** Writes an int64 field's value given as a number (negative values take 10 bytes). */
function writeNumberVarint(value: number, out: Uint8Array, offset: number): number {
  return value < 0 ? writeVarint(BigInt(value), out, offset) : writeSmallVarint(value, out, offset);
}

/** Size of the body of a `ResolvedIndexedEvent` (or, `withPositions`, a `ResolvedEvent`). */
function resolvedSize(record: ResolvedRecord, withPositions: boolean): number {
  let size = 0;
  if (record.event) {
    const length = record.event.encodedLength;
    size += 1 + smallVarintSize(length) + length;
  }
  if (record.link) {
    const length = record.link.encodedLength;
    size += 1 + smallVarintSize(length) + length;
  }
  if (withPositions) {
    const original = record.link ?? record.event!;
    size += 2 + numberVarintSize(original.commitPosition) +
      numberVarintSize(original.preparePosition);
  }
  return size;
}

function writeEmbedded(
  field: number,
  record: StoredEventBytes,
  out: Uint8Array,
  at: number,
): number {
  out[at++] = (field << 3) | LENGTH_DELIMITED;
  at = writeSmallVarint(record.encodedLength, out, at);
  out.set(record.encoded, at);
  return at + record.encodedLength;
}

/** What the splicer reads of a stored event. */
interface StoredEventBytes {
  readonly encoded: Uint8Array;
  readonly encodedLength: number;
}

/**
 * The payload of an event-carrying reply in one allocation and one copy per event: field
 * `field` repeated, one `ResolvedIndexedEvent` per record (or, `withPositions`, one
 * `ResolvedEvent` with the original event's commit and prepare positions), followed by `tail`
 * (the reply's other fields, encoded). The same bytes as
 * `concatBytes([...records.map((r) => lengthDelimitedField(field, encode...(r))), tail])`.
 */
export function spliceRecords(
  field: number,
  records: readonly ResolvedRecord[],
  withPositions: boolean,
  tail: Uint8Array,
): Uint8Array {
  const tag = (field << 3) | LENGTH_DELIMITED;
  const tagSize = smallVarintSize(tag);
  const sizes = new Array<number>(records.length);
  let total = tail.length;
  for (let i = 0; i < records.length; i++) {
    const size = resolvedSize(records[i], withPositions);
    sizes[i] = size;
    total += tagSize + smallVarintSize(size) + size;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (let i = 0; i < records.length; i++) {
    const record = records[i];
    at = writeSmallVarint(tag, out, at);
    at = writeSmallVarint(sizes[i], out, at);
    if (record.event) at = writeEmbedded(1, record.event, out, at);
    if (record.link) at = writeEmbedded(2, record.link, out, at);
    if (withPositions) {
      const original = record.link ?? record.event!;
      out[at++] = (3 << 3) | VARINT;
      at = writeNumberVarint(original.commitPosition, out, at);
      out[at++] = (4 << 3) | VARINT;
      at = writeNumberVarint(original.preparePosition, out, at);
    }
  }
  out.set(tail, at);
  return out;
}

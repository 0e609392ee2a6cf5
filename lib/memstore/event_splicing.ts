/**
 * Builds the event-carrying parts of replies from stored, pre-encoded `EventRecord` bytes, so a
 * read never re-serialises an event. Protobuf lets a message be written as the concatenation of
 * its fields in any order, so a reply is `[events as length-delimited field entries] +
 * encodeMessage(rest)`. Only the length-delimited framing and varints are written here.
 *
 * @module
 */

import type { ResolvedRecord } from "./storage.ts";
import {
  int64VarintSize,
  varintSize,
  writeInt64Varint,
  writeVarint,
} from "../wire/varint_writer.ts";

/** Wire type 2 (length-delimited). */
const LENGTH_DELIMITED = 2;
/** Wire type 0 (varint). */
const VARINT = 0;

/** The bytes of field `field` holding the length-delimited `bytes` (a sub-message or bytes). */
export function lengthDelimitedField(field: number, bytes: Uint8Array): Uint8Array {
  const tag = (field << 3) | LENGTH_DELIMITED;
  const out = new Uint8Array(varintSize(tag) + varintSize(bytes.length) + bytes.length);
  let offset = writeVarint(out, 0, tag);
  offset = writeVarint(out, offset, bytes.length);
  out.set(bytes, offset);
  return out;
}

/** The bytes of an int64 field `field` (negative values take 10 bytes, as protobuf requires). */
export function int64Field(field: number, value: bigint): Uint8Array {
  const tag = (field << 3) | VARINT;
  const out = new Uint8Array(varintSize(tag) + int64VarintSize(value));
  writeInt64Varint(out, writeVarint(out, 0, tag), value);
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

/** Size of the int64 varint of a safe integer (10 bytes when negative). */
function numberVarintSize(value: number): number {
  return value < 0 ? 10 : varintSize(value);
}

/** Writes an int64 field's value given as a number (negative values take 10 bytes). */
function writeNumberVarint(out: Uint8Array, offset: number, value: number): number {
  return value < 0 ? writeInt64Varint(out, offset, BigInt(value)) : writeVarint(out, offset, value);
}

/** Size of the body of a `ResolvedIndexedEvent` (or, `withPositions`, a `ResolvedEvent`). */
function resolvedSize(record: ResolvedRecord, withPositions: boolean): number {
  let size = 0;
  if (record.event) {
    const length = record.event.encodedLength;
    size += 1 + varintSize(length) + length;
  }
  if (record.link) {
    const length = record.link.encodedLength;
    size += 1 + varintSize(length) + length;
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
  at = writeVarint(out, at, record.encodedLength);
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
  const tagSize = varintSize(tag);
  const sizes = new Array<number>(records.length);
  let total = tail.length;
  for (let i = 0; i < records.length; i++) {
    const size = resolvedSize(records[i], withPositions);
    sizes[i] = size;
    total += tagSize + varintSize(size) + size;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (let i = 0; i < records.length; i++) {
    const record = records[i];
    at = writeVarint(out, at, tag);
    at = writeVarint(out, at, sizes[i]);
    if (record.event) at = writeEmbedded(1, record.event, out, at);
    if (record.link) at = writeEmbedded(2, record.link, out, at);
    if (withPositions) {
      const original = record.link ?? record.event!;
      out[at++] = (3 << 3) | VARINT;
      at = writeNumberVarint(out, at, original.commitPosition);
      out[at++] = (4 << 3) | VARINT;
      at = writeNumberVarint(out, at, original.preparePosition);
    }
  }
  out.set(tail, at);
  return out;
}

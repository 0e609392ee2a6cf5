/**
 * One committed event as the memstore holds it: a small index entry on the heap and the event's
 * encoded `EventRecord` message in a {@linkcode RecordArena} slab, written once at commit time
 * (GUID and text already converted), so replies splice the bytes as they are and `data` and
 * `metadata` are views into that one copy, never into the request's socket chunk.
 *
 * @module
 */

import { writeGuid } from "../wire/guid.ts";
import type { RecordArena } from "./record_arena.ts";
import {
  int64VarintSize,
  varintSize,
  writeInt64Varint,
  writeVarint,
} from "../wire/varint_writer.ts";

/** The fields of an `EventRecord` before encoding. */
export interface EventRecordFields {
  /** The stream, already UTF-8 encoded (callers cache it per stream). */
  readonly streamBytes: Uint8Array;
  /** The event number. */
  readonly eventNumber: bigint;
  /** The event id (RFC 4122 string). */
  readonly eventId: string;
  /** The event type. */
  readonly eventType: string;
  /** True if data and metadata are JSON (content type 1). */
  readonly isJson: boolean;
  /** The data. */
  readonly data: Uint8Array;
  /** The metadata (may be empty). */
  readonly metadata: Uint8Array;
  /** When it was written, in milliseconds since the Unix epoch. */
  readonly createdEpochMs: number;
}

/** Where a record's encoded bytes and its data and metadata lie. */
export interface EncodedPlace {
  /** The slab holding the record. */
  readonly bytes: Uint8Array;
  /** Start of the encoded `EventRecord` in `bytes`. */
  readonly offset: number;
  /** Length of the encoded `EventRecord`. */
  readonly length: number;
  /** Start of the data in `bytes`. */
  readonly dataOffset: number;
  /** Length of the data. */
  readonly dataLength: number;
  /** Start of the metadata in `bytes`. */
  readonly metadataOffset: number;
  /** Length of the metadata. */
  readonly metadataLength: number;
}

/** .NET ticks (100 ns since 0001-01-01) at the Unix epoch. */
const EPOCH_TICKS = 621355968000000000n;
const encoder = new TextEncoder();

function writeBytes(tag: number, bytes: Uint8Array, out: Uint8Array, offset: number): number {
  out[offset++] = tag;
  offset = writeVarint(out, offset, bytes.length);
  out.set(bytes, offset);
  return offset + bytes.length;
}

/**
 * Encodes an `EventRecord` straight into the arena, byte for byte as the protobuf codec would
 * (fields in number order, every field present), and says where its parts lie.
 */
export function encodeEventRecord(arena: RecordArena, fields: EventRecordFields): EncodedPlace {
  const type = encoder.encode(fields.eventType);
  const ms = Math.trunc(fields.createdEpochMs);
  const ticks = BigInt(ms) * 10000n + EPOCH_TICKS;
  const { streamBytes, data, metadata } = fields;
  const length = 1 + varintSize(streamBytes.length) + streamBytes.length +
    1 + int64VarintSize(fields.eventNumber) +
    2 + 16 +
    1 + varintSize(type.length) + type.length +
    2 + 2 +
    1 + varintSize(data.length) + data.length +
    1 + varintSize(metadata.length) + metadata.length +
    1 + int64VarintSize(ticks) +
    1 + varintSize(ms);
  const { bytes, offset: start } = arena.reserve(length);
  let at = writeBytes(0x0a, streamBytes, bytes, start);
  bytes[at++] = 0x10;
  at = writeInt64Varint(bytes, at, fields.eventNumber);
  bytes[at++] = 0x1a;
  bytes[at++] = 16;
  writeGuid(fields.eventId, bytes, at);
  at += 16;
  at = writeBytes(0x22, type, bytes, at);
  const contentType = fields.isJson ? 1 : 0;
  bytes[at++] = 0x28;
  bytes[at++] = contentType;
  bytes[at++] = 0x30;
  bytes[at++] = contentType;
  at = writeBytes(0x3a, data, bytes, at);
  const dataOffset = at - data.length;
  at = writeBytes(0x42, metadata, bytes, at);
  const metadataOffset = at - metadata.length;
  bytes[at++] = 0x48;
  at = writeInt64Varint(bytes, at, ticks);
  bytes[at++] = 0x50;
  at = writeVarint(bytes, at, ms);
  return {
    bytes,
    offset: start,
    length,
    dataOffset,
    dataLength: data.length,
    metadataOffset,
    metadataLength: metadata.length,
  };
}

/** Positions of a record in `$all`. */
export interface RecordPositions {
  /** Commit position. */
  readonly commitPosition: number;
  /** Prepare position. */
  readonly preparePosition: number;
  /** Commit part of where a forward `$all` read continues after this record. */
  readonly nextCommitPosition: number;
  /** Prepare part of where a forward `$all` read continues after this record. */
  readonly nextPreparePosition: number;
}

/**
 * A committed event: its index fields, and views into its one encoded copy in the arena.
 */
export class StoredRecord {
  /** The stream it belongs to. */
  readonly stream: string;
  /** Its number in the stream (long.MaxValue for a hard-delete tombstone). */
  readonly eventNumber: bigint;
  /** The event id (RFC 4122 string). */
  readonly eventId: string;
  /** The event type. */
  readonly eventType: string;
  /** True if the data is JSON. */
  readonly isJson: boolean;
  /** When it was written, in milliseconds since the Unix epoch. */
  readonly createdEpochMs: number;
  /** Commit position in the log. */
  readonly commitPosition: number;
  /** Prepare position in the log. */
  readonly preparePosition: number;
  /** Commit part of the position where a forward `$all` read continues after this event. */
  readonly nextCommitPosition: number;
  /** Prepare part of the position where a forward `$all` read continues after this event. */
  readonly nextPreparePosition: number;
  readonly #bytes: Uint8Array;
  readonly #offset: number;
  readonly #length: number;
  readonly #dataOffset: number;
  readonly #dataEnd: number;
  readonly #metadataOffset: number;
  readonly #metadataEnd: number;

  /** Indexes a record encoded by {@linkcode encodeEventRecord}. */
  constructor(
    stream: string,
    eventNumber: bigint,
    eventId: string,
    eventType: string,
    isJson: boolean,
    createdEpochMs: number,
    place: EncodedPlace,
    positions: RecordPositions,
  ) {
    this.stream = stream;
    this.eventNumber = eventNumber;
    this.eventId = eventId;
    this.eventType = eventType;
    this.isJson = isJson;
    this.createdEpochMs = createdEpochMs;
    this.commitPosition = positions.commitPosition;
    this.preparePosition = positions.preparePosition;
    this.nextCommitPosition = positions.nextCommitPosition;
    this.nextPreparePosition = positions.nextPreparePosition;
    this.#bytes = place.bytes;
    this.#offset = place.offset;
    this.#length = place.length;
    this.#dataOffset = place.dataOffset;
    this.#dataEnd = place.dataOffset + place.dataLength;
    this.#metadataOffset = place.metadataOffset;
    this.#metadataEnd = place.metadataOffset + place.metadataLength;
  }

  /** The encoded `EventRecord` message, spliced as-is into replies (a view into the arena). */
  get encoded(): Uint8Array {
    return this.#bytes.subarray(this.#offset, this.#offset + this.#length);
  }

  /** Length of the encoded `EventRecord` message. */
  get encodedLength(): number {
    return this.#length;
  }

  /** The data (a view into the arena). */
  get data(): Uint8Array {
    return this.#bytes.subarray(this.#dataOffset, this.#dataEnd);
  }

  /** The metadata (a view into the arena). */
  get metadata(): Uint8Array {
    return this.#bytes.subarray(this.#metadataOffset, this.#metadataEnd);
  }

  /** The buffer holding this record's bytes (for retention accounting). */
  get buffer(): ArrayBufferLike {
    return this.#bytes.buffer;
  }
}

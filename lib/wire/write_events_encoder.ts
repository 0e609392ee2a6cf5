/**
 * The WriteEvents payload (docs/protocol.md §4.5), encoded by hand straight into the package
 * being built: no protobuf-es message objects, no intermediate buffer and no second copy of the
 * event bytes. It writes exactly what `encodeMessage(WriteEventsSchema, ...)` writes (fields in
 * number order, every required field present, `metadata` always present, as the official
 * clients send it); `tests/wire/write_events_encoder_test.ts` checks that on random inputs.
 *
 * @module
 */

import { writeGuid } from "./guid.ts";
import { int64VarintSize, varintSize, writeInt64Varint, writeVarint } from "./varint_writer.ts";
import type { PayloadWriter } from "./package_codec.ts";

/** One event as the encoder needs it. */
export interface NewEventFields {
  /** The event id, an RFC 4122 string (written in .NET byte order). */
  readonly id: string;
  /** The event type. */
  readonly type: string;
  /** The body bytes. */
  readonly data: Uint8Array;
  /** The metadata bytes; absent is written as empty. */
  readonly metadata: Uint8Array | undefined;
  /** Whether the body is JSON (`data_content_type` 1, else 0). */
  readonly isJson: boolean;
}

const utf8 = new TextEncoder();
const EMPTY = new Uint8Array(0);

/** UTF-8 length of `text` as `TextEncoder` encodes it (a lone surrogate becomes U+FFFD). */
function utf8Length(text: string): number {
  let length = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) {
      length += 1;
    } else if (
      code >= 0xd800 && code <= 0xdbff && i + 1 < text.length &&
      (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00
    ) {
      length += 2; // a pair: 4 bytes for 2 code units
      i++;
    } else {
      length += 2;
    }
  }
  return length;
}

/** An int64 as protobuf writes it: two's complement, so a negative one takes 10 bytes. */
function int64Bytes(value: bigint): Uint8Array {
  const bytes = new Uint8Array(int64VarintSize(value));
  writeInt64Varint(bytes, 0, value);
  return bytes;
}

/** Common expected versions, encoded once: Any (-2), NoStream (-1), StreamExists (-4). */
const INT64_CACHE = new Map<bigint, Uint8Array>([-1n, -2n, -4n].map((v) => [v, int64Bytes(v)]));

function int64Varint(value: bigint): Uint8Array {
  return INT64_CACHE.get(value) ?? int64Bytes(value);
}

/** Writes `text` (of UTF-8 length `length`) at `offset`; returns the offset after it. */
function writeString(target: Uint8Array, offset: number, text: string, length: number): number {
  if (length === text.length) {
    // ASCII: one byte per code unit.
    for (let i = 0; i < length; i++) target[offset + i] = text.charCodeAt(i);
  } else {
    utf8.encodeInto(text, target.subarray(offset, offset + length));
  }
  return offset + length;
}

function writeBytes(target: Uint8Array, offset: number, bytes: Uint8Array): number {
  offset = writeVarint(target, offset, bytes.length);
  target.set(bytes, offset);
  return offset + bytes.length;
}

/**
 * A writer of the WriteEvents payload of `events` to `stream`: its size is known at once, the
 * bytes are written where the package wants them, as often as it is sent.
 *
 * @throws {TypeError} (from `writeTo`) when an event id is not a GUID string
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeEventsPayload } from "./write_events_encoder.ts";
 * const payload = writeEventsPayload("orders", -2n, [], false);
 * const bytes = new Uint8Array(payload.byteLength);
 * payload.writeTo(bytes, 0);
 * assert.deepEqual(bytes[0], 0x0a); // field 1 (the stream), length-delimited
 * ```
 */
export function writeEventsPayload(
  stream: string,
  expectedVersion: bigint,
  events: readonly NewEventFields[],
  requireLeader: boolean,
): PayloadWriter {
  const streamLength = utf8Length(stream);
  const version = int64Varint(expectedVersion);
  const typeLengths = new Array<number>(events.length);
  const eventSizes = new Array<number>(events.length);
  let size = 1 + varintSize(streamLength) + streamLength + 1 + version.length + 2;
  for (let i = 0; i < events.length; i++) {
    const event = events[i];
    const typeLength = utf8Length(event.type);
    const metadataLength = (event.metadata ?? EMPTY).length;
    const eventSize = 18 + // event id: tag, length 16, 16 bytes
      1 + varintSize(typeLength) + typeLength +
      4 + // data and metadata content types: tag and 0 or 1 each
      1 + varintSize(event.data.length) + event.data.length +
      1 + varintSize(metadataLength) + metadataLength;
    typeLengths[i] = typeLength;
    eventSizes[i] = eventSize;
    size += 1 + varintSize(eventSize) + eventSize;
  }
  return {
    byteLength: size,
    writeTo(target: Uint8Array, start: number): void {
      let at = start;
      target[at++] = 0x0a; // 1: event_stream_id
      at = writeVarint(target, at, streamLength);
      at = writeString(target, at, stream, streamLength);
      target[at++] = 0x10; // 2: expected_version
      target.set(version, at);
      at += version.length;
      for (let i = 0; i < events.length; i++) {
        const event = events[i];
        target[at++] = 0x1a; // 3: events
        at = writeVarint(target, at, eventSizes[i]);
        target[at++] = 0x0a; // NewEvent 1: event_id
        target[at++] = 16;
        writeGuid(event.id, target, at);
        at += 16;
        target[at++] = 0x12; // 2: event_type
        at = writeVarint(target, at, typeLengths[i]);
        at = writeString(target, at, event.type, typeLengths[i]);
        target[at++] = 0x18; // 3: data_content_type
        target[at++] = event.isJson ? 1 : 0;
        // 4: metadata_content_type: clients send 0; the server ignores it (docs/protocol.md §3.3.1).
        target[at++] = 0x20;
        target[at++] = 0;
        target[at++] = 0x2a; // 5: data
        at = writeBytes(target, at, event.data);
        target[at++] = 0x32; // 6: metadata
        at = writeBytes(target, at, event.metadata ?? EMPTY);
      }
      target[at++] = 0x20; // 4: require_leader
      target[at++] = requireLeader ? 1 : 0;
    },
  };
}

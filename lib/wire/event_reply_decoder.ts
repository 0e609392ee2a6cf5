/**
 * A hand-written decoder for the replies that carry events (stream and `$all` read pages, volatile
 * subscription events), the read path's hot messages, and for the append reply
 * (WriteEventsCompleted), the write path's. It reads the wire format directly into the
 * very objects protobuf-es would build (same `$typeName`, same prototypes holding the proto2
 * defaults, own properties for the fields present, `data` and `metadata` as views of the payload,
an empty `bytes` field as one shared empty array),
 * so everything after the decoding stage is unchanged. Stream names, event types and timestamps
 * are read with a one-entry cache per field: a page of one stream decodes its name once.
 *
 * It only takes what it fully understands. Anything else (an unknown field, a wire type the
 * schema does not allow, a closed enum's unknown value, a sub-message given twice, a truncated
 * or overlong varint, a length past the end) makes {@linkcode decodeEventReply} answer
 * `undefined`, and the caller decodes with protobuf-es, which stays the reference: it keeps
 * unknown fields, merges repeated sub-messages and rejects what is malformed.
 *
 * @module
 */

import { create, type DescMessage } from "@bufbuild/protobuf";
import * as pb from "../../gen/client_messages_pb.ts";
import { NEEDS_REFERENCE, toBigInt, uint31, varint64, type VarintCursor } from "./varint_reader.ts";

const WIRE_VARINT = 0;
const WIRE_LEN = 2;

function prototypeOf(schema: DescMessage): object {
  return Object.getPrototypeOf(create(schema)) as object;
}

const EVENT_RECORD = prototypeOf(pb.EventRecordSchema);
const RESOLVED_INDEXED_EVENT = prototypeOf(pb.ResolvedIndexedEventSchema);
const RESOLVED_EVENT = prototypeOf(pb.ResolvedEventSchema);
const READ_STREAM_COMPLETED = prototypeOf(pb.ReadStreamEventsCompletedSchema);
const READ_ALL_COMPLETED = prototypeOf(pb.ReadAllEventsCompletedSchema);
const STREAM_EVENT_APPEARED = prototypeOf(pb.StreamEventAppearedSchema);
const WRITE_EVENTS_COMPLETED = prototypeOf(pb.WriteEventsCompletedSchema);

/** The numbers of a closed enum: protobuf-es keeps any other value as an unknown field. */
function enumNumbers(schema: { values: readonly { number: number }[] }): ReadonlySet<number> {
  return new Set(schema.values.map((value) => value.number));
}
const READ_STREAM_RESULTS = enumNumbers(pb.ReadStreamEventsCompleted_ReadStreamResultSchema);
const READ_ALL_RESULTS = enumNumbers(pb.ReadAllEventsCompleted_ReadAllResultSchema);
const OPERATION_RESULTS = enumNumbers(pb.OperationResultSchema);

// proto2 strings are not validated (utf8Validation NONE); a leading U+FEFF is text.
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

/** A string field's last decoded value and its bytes, reused when the next bytes are the same. */
class StringCache {
  bytes: Uint8Array = new Uint8Array(0);
  value = "";
}

/** An int64 field's last value and its 32-bit halves. */
class Int64Cache {
  lo = 0;
  hi = 0;
  value = 0n;
}

/** The read position in one payload, and the string caches of one decode. */
class Cursor implements VarintCursor {
  readonly buf: Uint8Array;
  pos = 0;
  /** The low and high 32 bits of the last varint read by {@linkcode varint64}. */
  lo = 0;
  hi = 0;
  readonly streams = new StringCache();
  readonly types = new StringCache();
  readonly created = new Int64Cache();
  readonly createdEpoch = new Int64Cache();
  constructor(buf: Uint8Array) {
    this.buf = buf;
  }
}

function int64(c: Cursor): bigint {
  varint64(c);
  return toBigInt(c.lo, c.hi);
}

/** An `int64` that often repeats from one event to the next (timestamps): the last one is reused. */
function cachedInt64(c: Cursor, cache: Int64Cache): bigint {
  varint64(c);
  if (c.lo !== cache.lo || c.hi !== cache.hi) {
    cache.lo = c.lo;
    cache.hi = c.hi;
    cache.value = toBigInt(c.lo, c.hi);
  }
  return cache.value;
}

/** An `int32` (or enum): the low 32 bits of the varint, signed, as protobuf-es reads it. */
function int32(c: Cursor): number {
  varint64(c);
  return c.lo | 0;
}

function bool(c: Cursor): boolean {
  varint64(c);
  return c.lo !== 0 || c.hi !== 0;
}

/** The end of a length-delimited field starting at the cursor, checked against `limit`. */
function lengthEnd(c: Cursor, limit: number): number {
  const length = uint31(c);
  const end = c.pos + length;
  if (end > limit) throw NEEDS_REFERENCE;
  return end;
}

/** What an empty `bytes` field reads as: one shared array (empty metadata is the common case). */
const EMPTY = new Uint8Array(0);

function bytes(c: Cursor, limit: number): Uint8Array {
  const end = lengthEnd(c, limit);
  if (end === c.pos) return EMPTY;
  const view = c.buf.subarray(c.pos, end);
  c.pos = end;
  return view;
}

function string(c: Cursor, limit: number, cache: StringCache | undefined): string {
  const end = lengthEnd(c, limit);
  const buf = c.buf;
  const start = c.pos;
  const length = end - start;
  c.pos = end;
  if (cache !== undefined && cache.bytes.length === length) {
    const cached = cache.bytes;
    let same = true;
    for (let i = 0; i < length; i++) {
      if (cached[i] !== buf[start + i]) {
        same = false;
        break;
      }
    }
    if (same) return cache.value;
  }
  let value: string | undefined;
  if (length <= 64) {
    value = "";
    for (let i = start; i < end; i++) {
      const byte = buf[i];
      if (byte > 0x7f) {
        value = undefined;
        break;
      }
      value += String.fromCharCode(byte);
    }
  }
  value ??= utf8.decode(buf.subarray(start, end));
  if (cache !== undefined) {
    cache.bytes = buf.subarray(start, end);
    cache.value = value;
  }
  return value;
}

/** A field's tag: the field number times 8 plus the wire type. */
function tag(field: number, wire: number): number {
  return field * 8 + wire;
}

function eventRecord(c: Cursor, end: number): Record<string, unknown> {
  const m: Record<string, unknown> = Object.create(EVENT_RECORD);
  m.$typeName = "EventStore.Client.Messages.EventRecord";
  while (c.pos < end) {
    switch (uint31(c)) {
      case tag(1, WIRE_LEN):
        m.eventStreamId = string(c, end, c.streams);
        break;
      case tag(2, WIRE_VARINT):
        m.eventNumber = int64(c);
        break;
      case tag(3, WIRE_LEN):
        m.eventId = bytes(c, end);
        break;
      case tag(4, WIRE_LEN):
        m.eventType = string(c, end, c.types);
        break;
      case tag(5, WIRE_VARINT):
        m.dataContentType = int32(c);
        break;
      case tag(6, WIRE_VARINT):
        m.metadataContentType = int32(c);
        break;
      case tag(7, WIRE_LEN):
        m.data = bytes(c, end);
        break;
      case tag(8, WIRE_LEN):
        m.metadata = bytes(c, end);
        break;
      case tag(9, WIRE_VARINT):
        m.created = cachedInt64(c, c.created);
        break;
      case tag(10, WIRE_VARINT):
        m.createdEpoch = cachedInt64(c, c.createdEpoch);
        break;
      default:
        throw NEEDS_REFERENCE;
    }
  }
  if (c.pos !== end) throw NEEDS_REFERENCE;
  return m;
}

/** `event` (1) and `link` (2) of a ResolvedIndexedEvent or ResolvedEvent; false for another tag. */
function eventOrLink(c: Cursor, m: Record<string, unknown>, key: number, end: number): boolean {
  if (key !== tag(1, WIRE_LEN) && key !== tag(2, WIRE_LEN)) return false;
  const name = key === tag(1, WIRE_LEN) ? "event" : "link";
  // A sub-message given twice is merged by protobuf-es.
  if (Object.hasOwn(m, name)) throw NEEDS_REFERENCE;
  m[name] = eventRecord(c, lengthEnd(c, end));
  return true;
}

function resolvedIndexedEvent(c: Cursor, end: number): Record<string, unknown> {
  const m: Record<string, unknown> = Object.create(RESOLVED_INDEXED_EVENT);
  m.$typeName = "EventStore.Client.Messages.ResolvedIndexedEvent";
  while (c.pos < end) {
    if (!eventOrLink(c, m, uint31(c), end)) throw NEEDS_REFERENCE;
  }
  if (c.pos !== end) throw NEEDS_REFERENCE;
  return m;
}

function resolvedEvent(c: Cursor, end: number): Record<string, unknown> {
  const m: Record<string, unknown> = Object.create(RESOLVED_EVENT);
  m.$typeName = "EventStore.Client.Messages.ResolvedEvent";
  while (c.pos < end) {
    const key = uint31(c);
    if (eventOrLink(c, m, key, end)) continue;
    if (key === tag(3, WIRE_VARINT)) m.commitPosition = int64(c);
    else if (key === tag(4, WIRE_VARINT)) m.preparePosition = int64(c);
    else throw NEEDS_REFERENCE;
  }
  if (c.pos !== end) throw NEEDS_REFERENCE;
  return m;
}

function readStreamEventsCompleted(c: Cursor): Record<string, unknown> {
  const end = c.buf.length;
  const events: unknown[] = [];
  const m: Record<string, unknown> = Object.create(READ_STREAM_COMPLETED);
  m.$typeName = "EventStore.Client.Messages.ReadStreamEventsCompleted";
  m.events = events;
  while (c.pos < end) {
    switch (uint31(c)) {
      case tag(1, WIRE_LEN):
        events.push(resolvedIndexedEvent(c, lengthEnd(c, end)));
        break;
      case tag(2, WIRE_VARINT): {
        const result = int32(c);
        if (!READ_STREAM_RESULTS.has(result)) throw NEEDS_REFERENCE;
        m.result = result;
        break;
      }
      case tag(3, WIRE_VARINT):
        m.nextEventNumber = int64(c);
        break;
      case tag(4, WIRE_VARINT):
        m.lastEventNumber = int64(c);
        break;
      case tag(5, WIRE_VARINT):
        m.isEndOfStream = bool(c);
        break;
      case tag(6, WIRE_VARINT):
        m.lastCommitPosition = int64(c);
        break;
      case tag(7, WIRE_LEN):
        m.error = string(c, end, undefined);
        break;
      default:
        throw NEEDS_REFERENCE;
    }
  }
  return m;
}

function readAllEventsCompleted(c: Cursor): Record<string, unknown> {
  const end = c.buf.length;
  const events: unknown[] = [];
  const m: Record<string, unknown> = Object.create(READ_ALL_COMPLETED);
  m.$typeName = "EventStore.Client.Messages.ReadAllEventsCompleted";
  m.events = events;
  while (c.pos < end) {
    switch (uint31(c)) {
      case tag(1, WIRE_VARINT):
        m.commitPosition = int64(c);
        break;
      case tag(2, WIRE_VARINT):
        m.preparePosition = int64(c);
        break;
      case tag(3, WIRE_LEN):
        events.push(resolvedEvent(c, lengthEnd(c, end)));
        break;
      case tag(4, WIRE_VARINT):
        m.nextCommitPosition = int64(c);
        break;
      case tag(5, WIRE_VARINT):
        m.nextPreparePosition = int64(c);
        break;
      case tag(6, WIRE_VARINT): {
        const result = int32(c);
        if (!READ_ALL_RESULTS.has(result)) throw NEEDS_REFERENCE;
        m.result = result;
        break;
      }
      case tag(7, WIRE_LEN):
        m.error = string(c, end, undefined);
        break;
      default:
        throw NEEDS_REFERENCE;
    }
  }
  return m;
}

function streamEventAppeared(c: Cursor): Record<string, unknown> {
  const end = c.buf.length;
  const m: Record<string, unknown> = Object.create(STREAM_EVENT_APPEARED);
  m.$typeName = "EventStore.Client.Messages.StreamEventAppeared";
  while (c.pos < end) {
    if (uint31(c) !== tag(1, WIRE_LEN) || Object.hasOwn(m, "event")) throw NEEDS_REFERENCE;
    m.event = resolvedEvent(c, lengthEnd(c, end));
  }
  return m;
}

/** The append reply: small, but one per append, so it is the write path's hot message. */
function writeEventsCompleted(c: Cursor): Record<string, unknown> {
  const end = c.buf.length;
  const m: Record<string, unknown> = Object.create(WRITE_EVENTS_COMPLETED);
  m.$typeName = "EventStore.Client.Messages.WriteEventsCompleted";
  while (c.pos < end) {
    switch (uint31(c)) {
      case tag(1, WIRE_VARINT): {
        const result = int32(c);
        if (!OPERATION_RESULTS.has(result)) throw NEEDS_REFERENCE;
        m.result = result;
        break;
      }
      case tag(2, WIRE_LEN):
        m.message = string(c, end, undefined);
        break;
      case tag(3, WIRE_VARINT):
        m.firstEventNumber = int64(c);
        break;
      case tag(4, WIRE_VARINT):
        m.lastEventNumber = int64(c);
        break;
      case tag(5, WIRE_VARINT):
        m.preparePosition = int64(c);
        break;
      case tag(6, WIRE_VARINT):
        m.commitPosition = int64(c);
        break;
      case tag(7, WIRE_VARINT):
        m.currentVersion = int64(c);
        break;
      default:
        throw NEEDS_REFERENCE;
    }
  }
  return m;
}

const DECODERS = new Map<DescMessage, (c: Cursor) => Record<string, unknown>>([
  [pb.WriteEventsCompletedSchema, writeEventsCompleted],
  [pb.ReadStreamEventsCompletedSchema, readStreamEventsCompleted],
  [pb.ReadAllEventsCompletedSchema, readAllEventsCompleted],
  [pb.StreamEventAppearedSchema, streamEventAppeared],
]);

/** The schemas {@linkcode decodeEventReply} decodes by hand. */
export const EVENT_REPLY_SCHEMAS: ReadonlySet<DescMessage> = new Set(DECODERS.keys());

/**
 * Decodes a ReadStreamEventsCompleted, ReadAllEventsCompleted, StreamEventAppeared or
 * WriteEventsCompleted payload into
 * the message protobuf-es would build from it, or answers `undefined` when the payload (or the
 * schema) needs protobuf-es: then decode it with `decodeMessage`.
 *
 * @example
 * ```ts
 * import { decodeEventReply } from "./event_reply_decoder.ts";
 * import { ReadStreamEventsCompletedSchema } from "../../gen/client_messages_pb.ts";
 * const page = decodeEventReply(ReadStreamEventsCompletedSchema, new Uint8Array([0x28, 0x01]));
 * console.log(page); // a ReadStreamEventsCompleted with isEndOfStream true
 * ```
 */
export function decodeEventReply(schema: DescMessage, payload: Uint8Array): unknown {
  const decode = DECODERS.get(schema);
  if (decode === undefined) return undefined;
  try {
    return decode(new Cursor(payload));
  } catch (error) {
    if (error === NEEDS_REFERENCE) return undefined;
    throw error;
  }
}

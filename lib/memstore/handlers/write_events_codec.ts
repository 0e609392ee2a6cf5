/**
 * Hand-written codec for the append path's two messages: decoding `WriteEvents` and encoding a
 * successful `WriteEventsCompleted` (docs/protocol.md §4.5). protobuf-es stays the reference:
 * the decoder only takes what it fully understands (known fields with their wire types, ASCII
 * strings, well-formed varints and lengths) and hands anything else to protobuf-es, which keeps
 * its own handling of unusual input (merging, unknown fields, UTF-8, errors); the encoder only
 * writes the non-negative numbers of a success and leaves the rest to protobuf-es.
 *
 * @module
 */

import { WriteEventsCompletedSchema, WriteEventsSchema } from "../../../gen/client_messages_pb.ts";
import { decodeMessage, encodeMessage } from "../../wire/proto_codec.ts";
import {
  NEEDS_REFERENCE,
  toBigInt,
  uint31,
  varint64,
  type VarintCursor,
} from "../../wire/varint_reader.ts";
import { TcpCommand } from "../../wire/tcp_command.ts";
import { varintSize, writeVarint } from "../../wire/varint_writer.ts";

/** The fields of one `NewEvent`, as protobuf-es reads them (absent fields are defaults). */
export interface NewEventFields {
  /** 16 bytes for a valid id (the handler checks). */
  readonly eventId: Uint8Array;
  /** The event type. */
  readonly eventType: string;
  /** 1 for JSON. */
  readonly dataContentType: number;
  /** 1 for JSON. */
  readonly metadataContentType: number;
  /** A view into the payload. */
  readonly data: Uint8Array;
  /** A view into the payload (empty when absent). */
  readonly metadata: Uint8Array;
}

/** The fields of a `WriteEvents` request, as protobuf-es reads them. */
export interface WriteEventsFields {
  /** The stream. */
  readonly eventStreamId: string;
  /** The expected version (−4 to 2⁶³−1 on the wire; the handler checks). */
  readonly expectedVersion: bigint;
  /** The events, in order. */
  readonly events: readonly NewEventFields[];
  /** The `require_leader` flag. */
  readonly requireLeader: boolean;
}

const EMPTY: Uint8Array = new Uint8Array(0);
type Cursor = VarintCursor;

/**
 * Decodes a `WriteEvents` payload; `data`, `metadata` and `eventId` are views into it.
 *
 * @throws {ProtocolError} `bad-payload` when protobuf-es rejects the bytes
 */
export function decodeWriteEvents(payload: Uint8Array): WriteEventsFields {
  try {
    return readWriteEvents({ buf: payload, pos: 0, lo: 0, hi: 0 });
  } catch (error) {
    if (error !== NEEDS_REFERENCE) throw error;
  }
  return decodeMessage(WriteEventsSchema, payload, TcpCommand.WriteEvents);
}

function readWriteEvents(c: Cursor): WriteEventsFields {
  const end = c.buf.length;
  let eventStreamId = "";
  let expectedVersion = 0n;
  let requireLeader = false;
  const events: NewEventFields[] = [];
  while (c.pos < end) {
    switch (uint31(c)) {
      case 0x0a:
        eventStreamId = string(c, end);
        break;
      case 0x10:
        varint64(c);
        expectedVersion = toBigInt(c.lo, c.hi);
        break;
      case 0x1a:
        events.push(readNewEvent(c, lengthEnd(c, end)));
        break;
      case 0x20:
        varint64(c);
        requireLeader = c.lo !== 0 || c.hi !== 0;
        break;
      default:
        throw NEEDS_REFERENCE;
    }
  }
  return { eventStreamId, expectedVersion, events, requireLeader };
}

function readNewEvent(c: Cursor, end: number): NewEventFields {
  let eventId = EMPTY;
  let eventType = "";
  let dataContentType = 0;
  let metadataContentType = 0;
  let data = EMPTY;
  let metadata = EMPTY;
  while (c.pos < end) {
    switch (uint31(c)) {
      case 0x0a:
        eventId = bytes(c, end);
        break;
      case 0x12:
        eventType = string(c, end);
        break;
      case 0x18:
        varint64(c);
        dataContentType = c.lo | 0;
        break;
      case 0x20:
        varint64(c);
        metadataContentType = c.lo | 0;
        break;
      case 0x2a:
        data = bytes(c, end);
        break;
      case 0x32:
        metadata = bytes(c, end);
        break;
      default:
        throw NEEDS_REFERENCE;
    }
  }
  if (c.pos !== end) throw NEEDS_REFERENCE;
  return { eventId, eventType, dataContentType, metadataContentType, data, metadata };
}

function lengthEnd(c: Cursor, limit: number): number {
  const length = uint31(c);
  const end = c.pos + length;
  if (end > limit) throw NEEDS_REFERENCE;
  return end;
}

function bytes(c: Cursor, limit: number): Uint8Array {
  const end = lengthEnd(c, limit);
  if (end === c.pos) return EMPTY;
  const view = c.buf.subarray(c.pos, end);
  c.pos = end;
  return view;
}

/** An ASCII string; any other byte goes to the reference (it owns the UTF-8 rules). */
function string(c: Cursor, limit: number): string {
  const end = lengthEnd(c, limit);
  const buf = c.buf;
  let value = "";
  for (let i = c.pos; i < end; i++) {
    const byte = buf[i];
    if (byte > 0x7f) throw NEEDS_REFERENCE;
    value += String.fromCharCode(byte);
  }
  c.pos = end;
  return value;
}

/**
 * Encodes the `WriteEventsCompleted` of a successful write: result Success, the first and last
 * event numbers, and `position` as both prepare and commit position. The same bytes as
 * protobuf-es writes (which it does itself for negative or unsafe numbers).
 */
export function encodeWriteSuccess(first: bigint, last: bigint, position: number): Uint8Array {
  const firstNumber = Number(first);
  const lastNumber = Number(last);
  if (
    !(firstNumber >= 0 && lastNumber >= 0 && position >= 0) ||
    firstNumber > Number.MAX_SAFE_INTEGER || lastNumber > Number.MAX_SAFE_INTEGER ||
    position > Number.MAX_SAFE_INTEGER || !Number.isInteger(position)
  ) {
    return encodeMessage(WriteEventsCompletedSchema, {
      result: 0,
      firstEventNumber: first,
      lastEventNumber: last,
      preparePosition: BigInt(position),
      commitPosition: BigInt(position),
    });
  }
  const positionSize = varintSize(position);
  const out = new Uint8Array(
    6 + varintSize(firstNumber) + varintSize(lastNumber) + 2 * positionSize,
  );
  out[0] = 0x08; // result = Success (0)
  out[1] = 0;
  out[2] = 0x18;
  let at = writeVarint(out, 3, firstNumber);
  out[at++] = 0x20;
  at = writeVarint(out, at, lastNumber);
  out[at++] = 0x28;
  at = writeVarint(out, at, position);
  out[at++] = 0x30;
  writeVarint(out, at, position);
  return out;
}

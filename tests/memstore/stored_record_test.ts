import assert from "node:assert/strict";
import { EventRecordSchema } from "../../gen/client_messages_pb.ts";
import { RecordArena } from "../../lib/memstore/record_arena.ts";
import { encodeEventRecord, StoredRecord } from "../../lib/memstore/stored_record.ts";
import { guidToBytes } from "../../lib/wire/guid.ts";
import { decodeMessage, encodeMessage } from "../../lib/wire/proto_codec.ts";

const EPOCH_TICKS = 621355968000000000n;
const text = new TextEncoder();

interface Case {
  stream: string;
  eventNumber: bigint;
  eventType: string;
  isJson: boolean;
  data: Uint8Array;
  metadata: Uint8Array;
  ms: number;
}

const CASES: Case[] = [
  {
    stream: "orders-1",
    eventNumber: 0n,
    eventType: "Placed",
    isJson: true,
    data: text.encode('{"a":1}'),
    metadata: new Uint8Array(0),
    ms: 1_700_000_000_123,
  },
  {
    stream: "ünïcødé-стрим-流",
    eventNumber: 300n,
    eventType: "Typé",
    isJson: false,
    data: new Uint8Array(0),
    metadata: text.encode("m".repeat(200)),
    ms: 0,
  },
  {
    stream: "s",
    eventNumber: 0x7fffffffffffffffn,
    eventType: "$streamDeleted",
    isJson: false,
    data: new Uint8Array(70_000).fill(7),
    metadata: new Uint8Array(130).fill(1),
    ms: 1_764_000_000_000.7,
  },
];

function reference(c: Case, eventId: string): Uint8Array {
  const ms = Math.trunc(c.ms);
  return encodeMessage(EventRecordSchema, {
    eventStreamId: c.stream,
    eventNumber: c.eventNumber,
    eventId: guidToBytes(eventId),
    eventType: c.eventType,
    dataContentType: c.isJson ? 1 : 0,
    metadataContentType: c.isJson ? 1 : 0,
    data: c.data,
    metadata: c.metadata,
    created: BigInt(ms) * 10000n + EPOCH_TICKS,
    createdEpoch: BigInt(ms),
  });
}

Deno.test("encodeEventRecord writes the same bytes as the protobuf codec", () => {
  const arena = new RecordArena();
  for (const c of CASES) {
    const eventId = crypto.randomUUID();
    const place = encodeEventRecord(arena, {
      streamBytes: text.encode(c.stream),
      eventNumber: c.eventNumber,
      eventId,
      eventType: c.eventType,
      isJson: c.isJson,
      data: c.data,
      metadata: c.metadata,
      createdEpochMs: c.ms,
    });
    const bytes = place.bytes.subarray(place.offset, place.offset + place.length);
    assert.deepEqual(bytes, reference(c, eventId), c.stream);
  }
});

Deno.test("a StoredRecord's data and metadata are views of its encoded bytes", () => {
  const arena = new RecordArena();
  for (const c of CASES) {
    const eventId = crypto.randomUUID();
    const place = encodeEventRecord(arena, {
      streamBytes: text.encode(c.stream),
      eventNumber: c.eventNumber,
      eventId,
      eventType: c.eventType,
      isJson: c.isJson,
      data: c.data,
      metadata: c.metadata,
      createdEpochMs: c.ms,
    });
    const record = new StoredRecord(
      c.stream,
      c.eventNumber,
      eventId,
      c.eventType,
      c.isJson,
      c.ms,
      place,
      {
        commitPosition: 0,
        preparePosition: 0,
        nextCommitPosition: 1,
        nextPreparePosition: 0,
      },
    );
    assert.deepEqual(record.data, c.data);
    assert.deepEqual(record.metadata, c.metadata);
    assert.equal(record.data.buffer, record.encoded.buffer);
    const decoded = decodeMessage(EventRecordSchema, record.encoded);
    assert.equal(decoded.eventStreamId, c.stream);
    assert.equal(decoded.eventNumber, c.eventNumber);
  }
});

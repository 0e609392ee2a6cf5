import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { type EventRecord, EventRecordSchema } from "../../gen/client_messages_pb.ts";
import { ProtocolError } from "../../lib/errors.ts";
import { RecordedEvent, toRecordedEvent } from "../../lib/client/resolved_event.ts";
import { guidToBytes } from "../../lib/wire/guid.ts";

const ID = "0f8fad5b-d9cb-469f-a165-70867728950e";

interface RecordOverrides {
  eventId?: Uint8Array;
  created?: bigint;
  createdEpoch?: bigint;
}

function record(fields: RecordOverrides = {}): EventRecord {
  return create(EventRecordSchema, {
    eventStreamId: "orders-1",
    eventNumber: 7n,
    eventId: guidToBytes(ID),
    eventType: "order_placed",
    dataContentType: 1,
    data: new TextEncoder().encode('{"total":12}'),
    createdEpoch: 1_700_000_000_123n,
    ...fields,
  });
}

Deno.test("an event made from a decoded record has the record's fields, id and date", () => {
  const event = toRecordedEvent(record());
  assert.equal(event.stream, "orders-1");
  assert.equal(event.eventNumber, 7n);
  assert.equal(event.type, "order_placed");
  assert.equal(event.isJson, true);
  assert.deepEqual(event.json(), { total: 12 });
  assert.equal(event.metadata.length, 0);
  assert.equal(event.id, ID);
  assert.equal(event.created.getTime(), 1_700_000_000_123);
  // Built once: the same values on every access.
  assert.equal(event.created, event.created);
  assert.equal(event.id, ID);
});

Deno.test("an event's date falls back to .NET ticks when the record has no epoch milliseconds", () => {
  // 2023-11-14T22:13:20.123Z in ticks, with the DateTimeKind bits set above bit 62.
  const ticks = 621_355_968_000_000_000n + 1_700_000_000_123n * 10_000n;
  const event = toRecordedEvent(record({ createdEpoch: 0n, created: ticks | (1n << 62n) }));
  assert.equal(event.created.toISOString(), "2023-11-14T22:13:20.123Z");
  assert.equal(toRecordedEvent(record({ createdEpoch: 0n })).created.getTime(), 0);
});

Deno.test("an event made from its parts keeps them", () => {
  const created = new Date(5);
  const event = new RecordedEvent({
    stream: "s",
    id: ID,
    eventNumber: 1n,
    type: "t",
    data: new Uint8Array([1]),
    isJson: false,
    created,
  });
  assert.equal(event.id, ID);
  assert.equal(event.created, created);
  assert.equal(event.metadata.length, 0);
});

Deno.test("toRecordedEvent() rejects a record whose id is not 16 bytes with a ProtocolError", () => {
  assert.throws(
    () => toRecordedEvent(record({ eventId: new Uint8Array(15) })),
    (error: unknown) =>
      error instanceof ProtocolError &&
      /Event 7 of stream "orders-1" has a 15-byte id; expected 16/.test(error.message),
  );
});

import assert from "node:assert/strict";
import { create, type DescMessage, toBinary } from "@bufbuild/protobuf";
import { BinaryReader, type WireType } from "@bufbuild/protobuf/wire";
import * as pb from "../../gen/client_messages_pb.ts";
import { ProtocolError } from "../../lib/errors.ts";
import {
  fromResolvedEventMessage,
  fromResolvedIndexedEvent,
} from "../../lib/client/resolved_event.ts";
import { decodeMessage, encodeMessage } from "../../lib/wire/proto_codec.ts";
import { guidToBytes } from "../../lib/wire/guid.ts";

/** Field numbers present on the wire, in order, read with a raw protobuf reader. */
function wireFieldNumbers(bytes: Uint8Array): number[] {
  const reader = new BinaryReader(bytes);
  const numbers: number[] = [];
  while (reader.pos < reader.len) {
    const [fieldNo, wireType] = reader.tag();
    numbers.push(fieldNo);
    reader.skip(wireType as WireType);
  }
  return numbers;
}

const REQUIRED = 3; // FeatureSet_FieldPresence.LEGACY_REQUIRED

function requiredNumbers(schema: DescMessage): number[] {
  return schema.fields.filter((f) => f.fieldKind !== "list" && f.presence === REQUIRED)
    .map((f) => f.number);
}

const newEvent = {
  eventId: guidToBytes("00112233-4455-6677-8899-aabbccddeeff"),
  eventType: "player_created",
  dataContentType: 1,
  metadataContentType: 0,
  data: new TextEncoder().encode('{"name":"Gil"}'),
  metadata: new Uint8Array([1]),
};
const filter = {
  context: pb.Filter_FilterContext.EventType,
  type: pb.Filter_FilterType.Prefix,
  data: ["a", "b"],
};
const persistentSettings = {
  subscriptionGroupName: "g",
  eventStreamId: "s",
  resolveLinkTos: true,
  startFrom: 5n,
  messageTimeoutMilliseconds: 30000,
  recordStatistics: true,
  liveBufferSize: 500,
  readBatchSize: 20,
  bufferSize: 500,
  maxRetryCount: 10,
  preferRoundRobin: true,
  checkpointAfterTime: 2000,
  checkpointMaxCount: 1000,
  checkpointMinCount: 10,
  subscriberMaxCount: 3,
  namedConsumerStrategy: "Pinned",
};

/** Every message a client sends, with every field given a non-default value. */
// deno-lint-ignore no-explicit-any
const CLIENT_REQUESTS: [DescMessage, Record<string, any>][] = [
  [pb.WriteEventsSchema, {
    eventStreamId: "s",
    expectedVersion: -2n,
    events: [newEvent, newEvent],
    requireLeader: true,
  }],
  [pb.DeleteStreamSchema, {
    eventStreamId: "s",
    expectedVersion: 7n,
    requireLeader: true,
    hardDelete: true,
  }],
  [pb.TransactionStartSchema, { eventStreamId: "s", expectedVersion: -4n, requireLeader: true }],
  [pb.TransactionWriteSchema, {
    transactionId: 12345678901n,
    events: [newEvent],
    requireLeader: true,
  }],
  [pb.TransactionCommitSchema, { transactionId: 12345678901n, requireLeader: true }],
  [pb.ReadEventSchema, {
    eventStreamId: "s",
    eventNumber: -1n,
    resolveLinkTos: true,
    requireLeader: true,
  }],
  [pb.ReadStreamEventsSchema, {
    eventStreamId: "s",
    fromEventNumber: 9223372036854775807n,
    maxCount: 4096,
    resolveLinkTos: true,
    requireLeader: true,
  }],
  [pb.ReadAllEventsSchema, {
    commitPosition: -1n,
    preparePosition: -1n,
    maxCount: 500,
    resolveLinkTos: true,
    requireLeader: true,
  }],
  [pb.FilteredReadAllEventsSchema, {
    commitPosition: 10n,
    preparePosition: 9n,
    maxCount: 500,
    maxSearchWindow: 1000,
    resolveLinkTos: true,
    requireLeader: true,
    filter,
  }],
  [pb.CreatePersistentSubscriptionSchema, persistentSettings],
  [pb.UpdatePersistentSubscriptionSchema, persistentSettings],
  [pb.DeletePersistentSubscriptionSchema, { subscriptionGroupName: "g", eventStreamId: "s" }],
  [pb.ConnectToPersistentSubscriptionSchema, {
    subscriptionId: "g",
    eventStreamId: "s",
    allowedInFlightMessages: 10,
  }],
  [pb.PersistentSubscriptionAckEventsSchema, {
    subscriptionId: "s::g",
    processedEventIds: [newEvent.eventId],
  }],
  [pb.PersistentSubscriptionNakEventsSchema, {
    subscriptionId: "s::g",
    processedEventIds: [newEvent.eventId],
    message: "m",
    action: pb.PersistentSubscriptionNakEvents_NakAction.Park,
  }],
  [pb.SubscribeToStreamSchema, { eventStreamId: "s", resolveLinkTos: true }],
  [pb.FilteredSubscribeToStreamSchema, {
    eventStreamId: "",
    resolveLinkTos: true,
    filter,
    checkpointInterval: 32,
  }],
  [pb.UnsubscribeFromStreamSchema, {}],
  [pb.IdentifyClientSchema, { version: 1, connectionName: "ES-1" }],
  [pb.ScavengeDatabaseSchema, {}],
];

Deno.test("every client request message round-trips through toBinary/fromBinary", () => {
  for (const [schema, init] of CLIENT_REQUESTS) {
    const bytes = encodeMessage(schema, init);
    const decoded = decodeMessage(schema, bytes);
    assert.deepEqual(decoded, create(schema, init), schema.typeName);
  }
});

Deno.test("every required field is on the wire even when it holds its default value", () => {
  for (const [schema] of CLIENT_REQUESTS) {
    const bytes = encodeMessage(schema, {});
    const present = wireFieldNumbers(bytes);
    for (const number of requiredNumbers(schema)) {
      assert.ok(present.includes(number), `${schema.typeName} field ${number} missing`);
    }
  }
  // The ReadEvent fixture's `18 00`: a false bool written explicitly.
  const readEvent = encodeMessage(pb.ReadEventSchema, { eventStreamId: "s" });
  assert.deepEqual(wireFieldNumbers(readEvent), [1, 2, 3, 4]);
  assert.deepEqual([...readEvent.subarray(-4)], [0x18, 0x00, 0x20, 0x00]);
});

Deno.test("required fields inside nested and repeated messages are written too", () => {
  const bytes = encodeMessage(pb.WriteEventsSchema, {
    eventStreamId: "s",
    events: [{ eventType: "t" }],
  });
  const reader = new BinaryReader(bytes);
  const nested: number[][] = [];
  while (reader.pos < reader.len) {
    const [fieldNo, wireType] = reader.tag();
    if (fieldNo === 3) nested.push(wireFieldNumbers(reader.bytes()));
    else reader.skip(wireType);
  }
  assert.deepEqual(nested, [[1, 2, 3, 4, 5]]);
  const filtered = encodeMessage(pb.FilteredSubscribeToStreamSchema, { filter: {} });
  assert.deepEqual(wireFieldNumbers(filtered), [1, 2, 3, 4]);
});

Deno.test("plain protobuf-es refuses to encode an unset required field (why encodeMessage fills them)", () => {
  assert.throws(() => toBinary(pb.ReadEventSchema, create(pb.ReadEventSchema, {})), /required/);
});

Deno.test("absent required scalars decode to their defaults (22.x servers omit zero values)", () => {
  const empty = new Uint8Array(0);
  const write = decodeMessage(pb.WriteEventsCompletedSchema, empty);
  assert.equal(write.result, pb.OperationResult.Success);
  assert.equal(write.firstEventNumber, 0n);
  assert.equal(write.lastEventNumber, 0n);
  const read = decodeMessage(pb.ReadStreamEventsCompletedSchema, empty);
  assert.equal(read.result, pb.ReadStreamEventsCompleted_ReadStreamResult.Success);
  assert.equal(read.isEndOfStream, false);
  assert.equal(read.nextEventNumber, 0n);
  assert.deepEqual(read.events, []);
  const all = decodeMessage(pb.ReadAllEventsCompletedSchema, empty);
  assert.equal(all.result, pb.ReadAllEventsCompleted_ReadAllResult.Success);
  const record = decodeMessage(pb.EventRecordSchema, empty);
  assert.equal(record.eventNumber, 0n);
  assert.equal(record.eventStreamId, "");
});

Deno.test("a response with only some fields decodes them and defaults the rest", () => {
  // ReadStreamEventsCompleted with is_end_of_stream = true and nothing else, as 23.x writes it.
  const read = decodeMessage(pb.ReadStreamEventsCompletedSchema, new Uint8Array([0x28, 0x01]));
  assert.equal(read.isEndOfStream, true);
  assert.equal(read.lastEventNumber, 0n);
});

Deno.test("decodeMessage() raises ProtocolError naming the message for bytes that are not protobuf", () => {
  assert.throws(
    () => decodeMessage(pb.WriteEventsCompletedSchema, new Uint8Array([0x0a, 0x05, 0x01]), 0x83),
    (e: unknown) =>
      e instanceof ProtocolError && e.kind === "bad-payload" && e.command === 0x83 &&
      e.message.includes("WriteEventsCompleted"),
  );
});

function eventRecord(stream: string, number: bigint) {
  return create(pb.EventRecordSchema, {
    eventStreamId: stream,
    eventNumber: number,
    eventId: newEvent.eventId,
    eventType: "t",
    dataContentType: 1,
    data: new TextEncoder().encode("{}"),
    createdEpoch: 1700000000000n,
  });
}

Deno.test("an unresolvable link (event absent, link present) is data, not an error", () => {
  const link = create(pb.EventRecordSchema, {
    ...eventRecord("links", 3n),
    eventType: "$>",
    data: new TextEncoder().encode("0@gone"),
  });
  // Encoded as a server sends it: field 1 absent, only the link.
  const bytes = encodeMessage(pb.ResolvedIndexedEventSchema, { link });
  assert.deepEqual(wireFieldNumbers(bytes), [2]);
  const indexed = fromResolvedIndexedEvent(
    decodeMessage(pb.ResolvedIndexedEventSchema, bytes),
    "read",
  );
  assert.equal(indexed.isResolved, false);
  assert.equal(indexed.event, undefined);
  assert.equal(indexed.link?.eventNumber, 3n);
  assert.equal(indexed.type, "$>");
  assert.equal(indexed.text(), "0@gone");
  const fromAll = fromResolvedEventMessage(
    create(pb.ResolvedEventSchema, { link, commitPosition: 10n, preparePosition: 10n }),
    "read $all",
  );
  assert.equal(fromAll.isResolved, false);
  assert.equal(fromAll.position?.commit, 10n);
});

Deno.test("a non-success ReadEventCompleted with an empty event decodes without error", () => {
  const bytes = encodeMessage(pb.ReadEventCompletedSchema, {
    result: pb.ReadEventCompleted_ReadEventResult.NotFound,
    event: {},
  });
  const decoded = decodeMessage(pb.ReadEventCompletedSchema, bytes);
  assert.equal(decoded.result, pb.ReadEventCompleted_ReadEventResult.NotFound);
  assert.equal(decoded.event?.event, undefined);
});

Deno.test("an event missing where the protocol requires one raises ProtocolError", () => {
  assert.throws(
    () => fromResolvedIndexedEvent(create(pb.ResolvedIndexedEventSchema, {}), "read stream s"),
    (e: unknown) =>
      e instanceof ProtocolError && e.kind === "missing-field" &&
      e.message.includes("read stream s"),
  );
  const appeared = decodeMessage(pb.StreamEventAppearedSchema, new Uint8Array(0));
  assert.throws(
    () => fromResolvedEventMessage(appeared.event, "StreamEventAppeared"),
    (e: unknown) => e instanceof ProtocolError && e.kind === "missing-field",
  );
});

Deno.test("a resolved link carries the target as event and the link as link", () => {
  const resolved = fromResolvedIndexedEvent(
    create(pb.ResolvedIndexedEventSchema, {
      event: eventRecord("target", 0n),
      link: { ...eventRecord("links", 5n), eventType: "$>" },
    }),
    "read",
  );
  assert.equal(resolved.stream, "target");
  assert.equal(resolved.eventNumber, 0n);
  assert.equal(resolved.originalStreamId, "links");
  assert.equal(resolved.originalEventNumber, 5n);
  assert.equal(resolved.created.getTime(), 1700000000000);
  assert.deepEqual(resolved.json(), {});
});

import assert from "node:assert/strict";
import {
  EventRecordSchema,
  ReadAllEventsCompletedSchema,
  ReadStreamEventsCompletedSchema,
  ResolvedEventSchema,
  ResolvedIndexedEventSchema,
} from "../../gen/client_messages_pb.ts";
import {
  concatBytes,
  encodeResolvedEvent,
  encodeResolvedIndexedEvent,
  int64Field,
  lengthDelimitedField,
  spliceRecords,
} from "../../lib/memstore/event_splicing.ts";
import type { ResolvedRecord, StoredEvent } from "../../lib/memstore/storage_types.ts";
import { MemoryStorage } from "../../lib/memstore/storage.ts";
import { decodeMessage, encodeMessage } from "../../lib/wire/proto_codec.ts";
import { toHex } from "../support/hex.ts";
import { ev } from "./support/events.ts";

Deno.test("int64Field writes negative numbers as 10-byte varints", () => {
  assert.equal(toHex(int64Field(3, -1n)), "18 ff ff ff ff ff ff ff ff ff 01");
  assert.equal(toHex(int64Field(4, 300n)), "20 ac 02");
  assert.equal(toHex(int64Field(1, 0n)), "08 00");
});

Deno.test("lengthDelimitedField writes tag, varint length and bytes", () => {
  assert.equal(toHex(lengthDelimitedField(1, new Uint8Array([7, 8]))), "0a 02 07 08");
  const big = lengthDelimitedField(2, new Uint8Array(200));
  assert.equal(toHex(big.subarray(0, 3)), "12 c8 01");
  assert.equal(big.length, 203);
});

function storedPair() {
  const s = new MemoryStorage();
  s.append("target", -2n, [ev()]);
  s.append("links", -2n, [{
    eventId: crypto.randomUUID(),
    eventType: "$>",
    isJson: false,
    data: new TextEncoder().encode("0@target"),
  }]);
  return { target: s.eventAt("target", 0n)!, link: s.eventAt("links", 0n)! };
}

Deno.test("spliced ResolvedIndexedEvent decodes to the stored records", () => {
  const { target, link } = storedPair();
  const decoded = decodeMessage(
    ResolvedIndexedEventSchema,
    encodeResolvedIndexedEvent({ event: target, link }),
  );
  assert.deepEqual(decoded.event, decodeMessage(EventRecordSchema, target.encoded));
  assert.deepEqual(decoded.link, decodeMessage(EventRecordSchema, link.encoded));
  const linkOnly = decodeMessage(ResolvedIndexedEventSchema, encodeResolvedIndexedEvent({ link }));
  assert.equal(linkOnly.event, undefined);
});

Deno.test("spliced ResolvedEvent carries the positions of the original (link) record", () => {
  const { target, link } = storedPair();
  const decoded = decodeMessage(ResolvedEventSchema, encodeResolvedEvent({ event: target, link }));
  assert.equal(decoded.commitPosition, BigInt(link.commitPosition));
  assert.equal(decoded.preparePosition, BigInt(link.preparePosition));
  assert.equal(decoded.event?.eventStreamId, "target");
});

Deno.test("a reply built from spliced events plus encodeMessage decodes as one message", () => {
  const { target, link } = storedPair();
  const bytes = concatBytes([
    lengthDelimitedField(1, encodeResolvedIndexedEvent({ event: target })),
    lengthDelimitedField(1, encodeResolvedIndexedEvent({ event: link })),
    encodeMessage(ReadStreamEventsCompletedSchema, {
      nextEventNumber: 2n,
      lastEventNumber: 1n,
      isEndOfStream: true,
    }),
  ]);
  const decoded = decodeMessage(ReadStreamEventsCompletedSchema, bytes);
  assert.deepEqual(decoded.events.map((e) => e.event?.eventStreamId), ["target", "links"]);
  assert.equal(decoded.nextEventNumber, 2n);
  assert.equal(decoded.isEndOfStream, true);
});

/** A stand-in stored record: only what the splicer reads. */
function fakeRecord(size: number, commitPosition: number, preparePosition: number): StoredEvent {
  const encoded = new Uint8Array(size);
  for (let i = 0; i < size; i++) encoded[i] = (i * 31 + size) & 0xff;
  return {
    encoded,
    encodedLength: size,
    commitPosition,
    preparePosition,
  } as unknown as StoredEvent;
}

Deno.test("spliceRecords writes the bytes of the entry-by-entry splice, in one buffer", () => {
  const sizes = [0, 1, 127, 128, 300, 16_383, 16_384, 70_000];
  const positions = [0, 1, 127, 128, 2 ** 31, 2 ** 40 + 5, Number.MAX_SAFE_INTEGER, -1];
  const records: ResolvedRecord[] = [];
  for (let i = 0; i < 24; i++) {
    const event = fakeRecord(sizes[i % sizes.length], positions[i % 8], positions[(i + 3) % 8]);
    const link = fakeRecord(
      sizes[(i + 5) % sizes.length],
      positions[(i + 1) % 8],
      positions[i % 8],
    );
    records.push(i % 3 === 0 ? { event } : i % 3 === 1 ? { event, link } : { link });
  }
  const tail = encodeMessage(ReadStreamEventsCompletedSchema, { lastEventNumber: 5n });
  for (const withPositions of [false, true]) {
    for (const field of [1, 3]) {
      const expected = concatBytes([
        ...records.map((r) =>
          lengthDelimitedField(
            field,
            withPositions ? encodeResolvedEvent(r) : encodeResolvedIndexedEvent(r),
          )
        ),
        tail,
      ]);
      assert.deepEqual(spliceRecords(field, records, withPositions, tail), expected);
    }
  }
  assert.deepEqual(spliceRecords(1, [], false, tail), tail);
});

Deno.test("a $all page from spliceRecords decodes with each record's positions", () => {
  const { target, link } = storedPair();
  const bytes = spliceRecords(
    3,
    [{ event: target }, { event: target, link }],
    true,
    encodeMessage(ReadAllEventsCompletedSchema, { nextCommitPosition: 9n }),
  );
  const decoded = decodeMessage(ReadAllEventsCompletedSchema, bytes);
  assert.equal(decoded.events.length, 2);
  assert.equal(decoded.events[0].commitPosition, BigInt(target.commitPosition));
  assert.equal(decoded.events[1].commitPosition, BigInt(link.commitPosition));
  assert.equal(decoded.events[1].link?.eventStreamId, "links");
  assert.equal(decoded.nextCommitPosition, 9n);
});

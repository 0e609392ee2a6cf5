import assert from "node:assert/strict";
import { create, toBinary } from "@bufbuild/protobuf";
import { NewEventSchema, WriteEventsSchema } from "../../gen/client_messages_pb.ts";
import { guidToBytes } from "../../lib/wire/guid.ts";
import { decodePackage, encodePackage } from "../../lib/wire/package_codec.ts";
import { type NewEventFields, writeEventsPayload } from "../../lib/wire/write_events_encoder.ts";

/** A tiny seeded generator (mulberry32), so every run checks the same inputs. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The reference: protobuf-es builds and encodes the message, every required field set. */
function reference(
  stream: string,
  expectedVersion: bigint,
  events: readonly NewEventFields[],
  requireLeader: boolean,
): Uint8Array {
  return toBinary(
    WriteEventsSchema,
    create(WriteEventsSchema, {
      eventStreamId: stream,
      expectedVersion,
      events: events.map((event) =>
        create(NewEventSchema, {
          eventId: guidToBytes(event.id),
          eventType: event.type,
          dataContentType: event.isJson ? 1 : 0,
          metadataContentType: 0,
          data: event.data,
          metadata: event.metadata ?? new Uint8Array(0),
        })
      ),
      requireLeader,
    }),
  );
}

function written(
  stream: string,
  expectedVersion: bigint,
  events: readonly NewEventFields[],
  requireLeader: boolean,
): Uint8Array {
  const payload = writeEventsPayload(stream, expectedVersion, events, requireLeader);
  // Written at an offset inside a larger buffer, as into a package.
  const target = new Uint8Array(payload.byteLength + 10).fill(0xee);
  payload.writeTo(target, 7);
  assert.deepEqual([...target.subarray(0, 7)], Array(7).fill(0xee), "nothing before it");
  assert.deepEqual([...target.subarray(7 + payload.byteLength)], [0xee, 0xee, 0xee], "or after");
  return target.slice(7, 7 + payload.byteLength);
}

const PIECES = [
  "a",
  "Z",
  "-",
  "$",
  " ",
  "é", // 2 bytes
  "ß",
  "€", // 3 bytes
  "日本",
  "😀", // a surrogate pair, 4 bytes
  "𝄞",
  "\u0000",
  "\u007f",
  "\u0080",
  "\u07ff",
  "\u0800",
  "\uffff",
  "\ud800", // a lone high surrogate
  "\udc00", // a lone low surrogate
];

function text(next: () => number, max: number): string {
  let out = "";
  const length = Math.floor(next() * max);
  for (let i = 0; i < length; i++) out += PIECES[Math.floor(next() * PIECES.length)];
  return out;
}

function bytes(next: () => number): Uint8Array {
  const pick = next();
  // Mostly small, sometimes empty, sometimes large enough for 3-byte lengths.
  const length = pick < 0.15
    ? 0
    : pick < 0.9
    ? Math.floor(next() * 300)
    : 16_384 + Math.floor(next() * 200_000);
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i += 97) out[i] = Math.floor(next() * 256);
  return out;
}

function guid(next: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(next() * 16).toString(16)).join("");
  const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${
    hex.slice(20)
  }`;
  return next() < 0.2 ? id.toUpperCase() : id;
}

function expectedVersion(next: () => number): bigint {
  const pick = next();
  if (pick < 0.15) return -1n;
  if (pick < 0.3) return -2n;
  if (pick < 0.4) return -4n;
  if (pick < 0.5) return 0n;
  if (pick < 0.6) return 9_223_372_036_854_775_807n; // int64 max
  if (pick < 0.65) return -9_223_372_036_854_775_808n; // int64 min
  if (pick < 0.8) return BigInt(Math.floor(next() * 2 ** 53));
  if (pick < 0.9) return BigInt(Math.floor(next() * 300));
  return -BigInt(Math.floor(next() * 2 ** 40)) - 5n;
}

Deno.test({
  name:
    "the hand-written WriteEvents payload is byte for byte what protobuf-es encodes, on 600 random writes",
  permissions: "none",
  fn() {
    const next = random(20261202);
    for (let round = 0; round < 600; round++) {
      const stream = text(next, 40);
      const version = expectedVersion(next);
      const requireLeader = next() < 0.5;
      const count = next() < 0.1 ? 0 : Math.floor(next() * 6) + 1;
      const events: NewEventFields[] = Array.from({ length: count }, () => {
        const meta = next();
        return {
          id: guid(next),
          type: text(next, 30),
          data: bytes(next),
          metadata: meta < 0.3 ? undefined : meta < 0.5 ? new Uint8Array(0) : bytes(next),
          isJson: next() < 0.5,
        };
      });
      const ours = written(stream, version, events, requireLeader);
      const theirs = reference(stream, version, events, requireLeader);
      assert.equal(ours.length, theirs.length, `round ${round}: size`);
      assert.deepEqual(ours, theirs, `round ${round}`);
    }
  },
});

Deno.test({
  name: "a WriteEvents package encoded from the writer equals the package of the encoded bytes",
  permissions: "none",
  fn() {
    const event = {
      id: "00112233-4455-6677-8899-aabbccddeeff",
      type: "créé",
      data: new TextEncoder().encode('{"a":1}'),
      metadata: undefined,
      isJson: true,
    };
    const payload = writeEventsPayload("stream-ü", 5n, [event], true);
    const bytes = reference("stream-ü", 5n, [event], true);
    for (const credentials of [undefined, { username: "admin", password: "changeit" }]) {
      const pkg = {
        command: 0x82,
        correlationId: "ffeeddcc-bbaa-9988-7766-554433221100",
        credentials,
      };
      const fromWriter = encodePackage({ ...pkg, payload });
      assert.deepEqual(fromWriter, encodePackage({ ...pkg, payload: bytes }));
      const decoded = decodePackage(fromWriter.subarray(4));
      assert.deepEqual(decoded.payload, bytes);
      assert.deepEqual(decoded.credentials, credentials);
    }
  },
});

Deno.test({
  name: "a writer writes the same bytes each time it is sent (a re-send after reconnecting)",
  permissions: "none",
  fn() {
    const payload = writeEventsPayload("s", -2n, [{
      id: "00112233-4455-6677-8899-aabbccddeeff",
      type: "t",
      data: new Uint8Array([1, 2, 3]),
      metadata: new Uint8Array([4]),
      isJson: false,
    }], false);
    const first = new Uint8Array(payload.byteLength);
    const second = new Uint8Array(payload.byteLength);
    payload.writeTo(first, 0);
    payload.writeTo(second, 0);
    assert.deepEqual(first, second);
  },
});

Deno.test({
  name: "an event id that is not a GUID fails the write with a TypeError naming it",
  permissions: "none",
  fn() {
    const payload = writeEventsPayload("s", -2n, [{
      id: "not-a-guid",
      type: "t",
      data: new Uint8Array(0),
      metadata: undefined,
      isJson: false,
    }], false);
    assert.throws(
      () => payload.writeTo(new Uint8Array(payload.byteLength), 0),
      (error: Error) => error instanceof TypeError && /"not-a-guid"/.test(error.message),
    );
  },
});

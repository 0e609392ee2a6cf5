import assert from "node:assert/strict";
import { fromBinary } from "@bufbuild/protobuf";
import {
  OperationResult,
  WriteEventsCompletedSchema,
  WriteEventsSchema,
} from "../../gen/client_messages_pb.ts";
import {
  decodeWriteEvents,
  encodeWriteSuccess,
  type WriteEventsFields,
} from "../../lib/memstore/handlers/write_events_codec.ts";
import { ProtocolError } from "../../lib/errors.ts";
import { encodeMessage } from "../../lib/wire/proto_codec.ts";

/** A small deterministic PRNG (mulberry32), so a failure can be replayed from its seed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INT64S = [
  0n,
  1n,
  -1n,
  -2n,
  -3n,
  -4n,
  127n,
  128n,
  300n,
  2n ** 31n,
  2n ** 32n,
  2n ** 53n,
  2n ** 63n - 1n,
  -(2n ** 63n),
];
const STRINGS = ["", "s", "stream-1", "$et-x", "naïve", "日本", "a".repeat(200), "\u0000\u007f"];

function bytes(rand: () => number, max: number): Uint8Array {
  const out = new Uint8Array(Math.floor(rand() * max));
  for (let i = 0; i < out.length; i++) out[i] = Math.floor(rand() * 256);
  return out;
}

function pick<T>(rand: () => number, values: readonly T[]): T {
  return values[Math.floor(rand() * values.length)];
}

function randomWriteEvents(rand: () => number): Uint8Array {
  const events = Array.from({ length: Math.floor(rand() * 4) }, () => ({
    eventId: rand() < 0.9 ? bytes(() => 0.99, 17) : bytes(rand, 20),
    eventType: pick(rand, STRINGS),
    dataContentType: pick(rand, [0, 1, 2, -1, 2 ** 31 - 1]),
    metadataContentType: pick(rand, [0, 1, -5]),
    data: bytes(rand, 300),
    ...(rand() < 0.5 ? { metadata: bytes(rand, 50) } : {}),
  }));
  return encodeMessage(WriteEventsSchema, {
    eventStreamId: pick(rand, STRINGS),
    expectedVersion: pick(rand, INT64S),
    events,
    requireLeader: rand() < 0.5,
  });
}

/** The reference's answer in the decoder's shape (absent fields as their defaults). */
function reference(payload: Uint8Array): WriteEventsFields {
  const m = fromBinary(WriteEventsSchema, payload);
  return {
    eventStreamId: m.eventStreamId,
    expectedVersion: m.expectedVersion,
    requireLeader: m.requireLeader,
    events: m.events.map((e) => ({
      eventId: e.eventId,
      eventType: e.eventType,
      dataContentType: e.dataContentType,
      metadataContentType: e.metadataContentType,
      data: e.data,
      metadata: e.metadata,
    })),
  };
}

function plain(m: WriteEventsFields): unknown {
  return {
    eventStreamId: m.eventStreamId,
    expectedVersion: m.expectedVersion,
    requireLeader: m.requireLeader,
    events: m.events.map((e) => ({
      eventId: [...e.eventId],
      eventType: e.eventType,
      dataContentType: e.dataContentType,
      metadataContentType: e.metadataContentType,
      data: [...e.data],
      metadata: [...e.metadata],
    })),
  };
}

/** Decodes with both; they must agree, or both refuse the bytes. */
function compare(payload: Uint8Array, seed: number): void {
  let expected: WriteEventsFields | null = null;
  try {
    expected = reference(payload);
  } catch {
    // refused by the reference
  }
  if (expected === null) {
    assert.throws(() => decodeWriteEvents(payload), ProtocolError, `seed ${seed}`);
    return;
  }
  assert.deepEqual(plain(decodeWriteEvents(payload)), plain(expected), `seed ${seed}`);
}

Deno.test("decodeWriteEvents reads 3,000 random WriteEvents as protobuf-es does", () => {
  for (let seed = 1; seed <= 3000; seed++) compare(randomWriteEvents(random(seed)), seed);
});

Deno.test("decodeWriteEvents agrees with protobuf-es on 5,000 corrupted payloads (or both refuse them)", () => {
  for (let seed = 1; seed <= 5000; seed++) {
    const rand = random(seed);
    const payload = randomWriteEvents(rand);
    if (payload.length === 0) continue;
    const corrupt = payload.slice();
    const kind = Math.floor(rand() * 3);
    if (kind === 0) {
      // Flip a few bytes.
      for (let n = 0; n < 1 + rand() * 3; n++) {
        corrupt[Math.floor(rand() * corrupt.length)] = Math.floor(rand() * 256);
      }
      compare(corrupt, seed);
    } else if (kind === 1) {
      compare(corrupt.subarray(0, Math.floor(rand() * corrupt.length)), seed);
    } else {
      // An unknown field or a duplicated one appended.
      const extra = pick(rand, [[0x28, 0x01], [0x0a, 0x01, 0x41], [0x10, 0x05], [0x1a, 0x00], [
        0x3a,
        0x00,
      ]]);
      compare(new Uint8Array([...corrupt, ...extra]), seed);
    }
  }
});

Deno.test("decodeWriteEvents returns data and metadata as views into the payload", () => {
  const payload = encodeMessage(WriteEventsSchema, {
    eventStreamId: "s",
    expectedVersion: -2n,
    events: [{
      eventId: new Uint8Array(16).fill(7),
      eventType: "T",
      dataContentType: 1,
      metadataContentType: 0,
      data: new Uint8Array([1, 2, 3]),
      metadata: new Uint8Array([4]),
    }],
    requireLeader: true,
  });
  const [event] = decodeWriteEvents(payload).events;
  assert.equal(event.data.buffer, payload.buffer);
  assert.equal(event.metadata.buffer, payload.buffer);
});

Deno.test("encodeWriteSuccess writes the bytes protobuf-es writes, for 3,000 random and edge numbers", () => {
  const edges = [0, 1, 127, 128, 16383, 16384, 2 ** 31, 2 ** 32, 2 ** 53 - 1];
  const rand = random(42);
  const cases: [bigint, bigint, number][] = [];
  for (const a of edges) for (const b of edges) cases.push([BigInt(a), BigInt(b), a]);
  cases.push([0n, -1n, -1], [-1n, -1n, 5], [2n ** 60n, 2n ** 60n, 10], [1n, 2n, 2 ** 60]);
  for (let i = 0; i < 3000; i++) {
    const scale = 2 ** Math.floor(rand() * 54);
    cases.push([
      BigInt(Math.floor(rand() * scale)),
      BigInt(Math.floor(rand() * scale)),
      Math.floor(rand() * scale),
    ]);
  }
  for (const [first, last, position] of cases) {
    const expected = encodeMessage(WriteEventsCompletedSchema, {
      result: OperationResult.Success,
      firstEventNumber: first,
      lastEventNumber: last,
      preparePosition: BigInt(position),
      commitPosition: BigInt(position),
    });
    assert.deepEqual(
      [...encodeWriteSuccess(first, last, position)],
      [...expected],
      `${first} ${last} ${position}`,
    );
  }
});

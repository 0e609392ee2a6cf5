import assert from "node:assert/strict";
import { type DescMessage, fromBinary } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import * as pb from "../../gen/client_messages_pb.ts";
import { ProtocolError } from "../../lib/errors.ts";
import { decodeEventReply } from "../../lib/wire/event_reply_decoder.ts";
import { decodeReply } from "../../lib/wire/message.ts";
import { encodeMessage } from "../../lib/wire/proto_codec.ts";
import { TcpCommand } from "../../lib/wire/tcp_command.ts";
import { Prng } from "../fuzz/prng.ts";

/** How a field is written: a scalar kind, a closed enum's numbers, or a sub-message's fields. */
type Kind =
  | "string"
  | "bytes"
  | "int64"
  | "int32"
  | "bool"
  | { enum: readonly number[] }
  | { message: readonly Field[] };
interface Field {
  readonly no: number;
  readonly kind: Kind;
  readonly repeated?: boolean;
}

const EVENT_RECORD: readonly Field[] = [
  { no: 1, kind: "string" },
  { no: 2, kind: "int64" },
  { no: 3, kind: "bytes" },
  { no: 4, kind: "string" },
  { no: 5, kind: "int32" },
  { no: 6, kind: "int32" },
  { no: 7, kind: "bytes" },
  { no: 8, kind: "bytes" },
  { no: 9, kind: "int64" },
  { no: 10, kind: "int64" },
];
const RESOLVED_INDEXED_EVENT: readonly Field[] = [
  { no: 1, kind: { message: EVENT_RECORD } },
  { no: 2, kind: { message: EVENT_RECORD } },
];
const RESOLVED_EVENT: readonly Field[] = [
  ...RESOLVED_INDEXED_EVENT,
  { no: 3, kind: "int64" },
  { no: 4, kind: "int64" },
];
const SHAPES: ReadonlyArray<[DescMessage, readonly Field[]]> = [
  [pb.ReadStreamEventsCompletedSchema, [
    { no: 1, kind: { message: RESOLVED_INDEXED_EVENT }, repeated: true },
    { no: 2, kind: { enum: [0, 1, 2, 3, 4, 5] } },
    { no: 3, kind: "int64" },
    { no: 4, kind: "int64" },
    { no: 5, kind: "bool" },
    { no: 6, kind: "int64" },
    { no: 7, kind: "string" },
  ]],
  [pb.ReadAllEventsCompletedSchema, [
    { no: 1, kind: "int64" },
    { no: 2, kind: "int64" },
    { no: 3, kind: { message: RESOLVED_EVENT }, repeated: true },
    { no: 4, kind: "int64" },
    { no: 5, kind: "int64" },
    { no: 6, kind: { enum: [0, 1, 2, 3] } },
    { no: 7, kind: "string" },
  ]],
  [pb.StreamEventAppearedSchema, [{ no: 1, kind: { message: RESOLVED_EVENT } }]],
  [pb.WriteEventsCompletedSchema, [
    { no: 1, kind: { enum: [0, 1, 2, 3, 4, 5, 6, 7] } },
    { no: 2, kind: "string" },
    { no: 3, kind: "int64" },
    { no: 4, kind: "int64" },
    { no: 5, kind: "int64" },
    { no: 6, kind: "int64" },
    { no: 7, kind: "int64" },
  ]],
];

const STRINGS = [
  "",
  "orders-1",
  "$all",
  "$>",
  "événement",
  "\u{1F600}x",
  "\uFEFFbom",
  "a".repeat(70),
];
const INT64S = [0n, 1n, -1n, 127n, 128n, 2n ** 31n, 2n ** 53n + 1n, 2n ** 63n - 1n, -(2n ** 63n)];

/** What the generator may put in besides a well-formed message. */
interface Oddities {
  /** Fields absent, repeated, out of order; unknown enum values; non-UTF-8 strings. */
  readonly loose: boolean;
}

function writeMessage(w: BinaryWriter, fields: readonly Field[], rng: Prng, odd: Oddities): void {
  const order = [...fields];
  if (odd.loose && rng.chance(0.3)) order.reverse();
  for (const field of order) {
    const count = field.repeated
      ? rng.int(0, 4)
      : odd.loose
      ? rng.pick([0, 1, 1, 1, 2])
      : rng.chance(0.85)
      ? 1
      : 0;
    for (let i = 0; i < count; i++) writeField(w, field, rng, odd);
  }
  if (odd.loose && rng.chance(0.05)) w.tag(rng.int(11, 40), WireType.Varint).int32(rng.int(0, 300));
}

function writeField(w: BinaryWriter, field: Field, rng: Prng, odd: Oddities): void {
  const kind = field.kind;
  if (kind === "string") {
    if (odd.loose && rng.chance(0.05)) {
      w.tag(field.no, WireType.LengthDelimited).bytes(rng.bytes(5));
    } else w.tag(field.no, WireType.LengthDelimited).string(rng.pick(STRINGS));
  } else if (kind === "bytes") {
    w.tag(field.no, WireType.LengthDelimited).bytes(rng.bytes(rng.pick([0, 16, rng.int(0, 200)])));
  } else if (kind === "int64") {
    const value = rng.chance(0.5)
      ? rng.pick(INT64S)
      : BigInt.asIntN(64, (BigInt(rng.nextUint32()) << 32n) | BigInt(rng.nextUint32()));
    w.tag(field.no, WireType.Varint).int64(value);
  } else if (kind === "int32") {
    w.tag(field.no, WireType.Varint).int32(
      rng.pick([0, 1, -1, 2 ** 31 - 1, -(2 ** 31), rng.int(0, 9)]),
    );
  } else if (kind === "bool") {
    if (odd.loose && rng.chance(0.2)) {
      w.tag(field.no, WireType.Varint).uint64(BigInt(rng.int(2, 2 ** 40)));
    } else w.tag(field.no, WireType.Varint).bool(rng.chance(0.5));
  } else if ("enum" in kind) {
    const value = odd.loose && rng.chance(0.2) ? rng.int(-2, 9) : rng.pick(kind.enum);
    w.tag(field.no, WireType.Varint).int32(value);
  } else {
    w.tag(field.no, WireType.LengthDelimited).fork();
    writeMessage(w, kind.message, rng, odd);
    w.join();
  }
}

function generate(fields: readonly Field[], rng: Prng, odd: Oddities): Uint8Array {
  const w = new BinaryWriter();
  writeMessage(w, fields, rng, odd);
  return w.finish();
}

/** The reference's answer: the message, or the error it throws. */
function reference(schema: DescMessage, bytes: Uint8Array): { message?: unknown; error?: unknown } {
  try {
    return { message: fromBinary(schema, bytes) };
  } catch (error) {
    return { error };
  }
}

/** Checks the hand-written decoder against protobuf-es on `bytes`; true when it decoded them. */
function agrees(schema: DescMessage, bytes: Uint8Array): boolean {
  const ours = decodeEventReply(schema, bytes);
  const theirs = reference(schema, bytes);
  if (ours === undefined) return false;
  assert.equal(theirs.error, undefined, "decoded what protobuf-es rejects");
  assert.deepStrictEqual(ours, theirs.message);
  return true;
}

Deno.test("decodeEventReply builds what protobuf-es builds from well-formed replies with absent fields", () => {
  const rng = new Prng(12);
  for (const [schema, fields] of SHAPES) {
    for (let i = 0; i < 300; i++) {
      assert.ok(agrees(schema, generate(fields, rng, { loose: false })), `${schema.name} #${i}`);
    }
  }
});

Deno.test("decodeEventReply agrees with protobuf-es on repeated, reordered, unknown and out-of-range fields", () => {
  const rng = new Prng(13);
  for (const [schema, fields] of SHAPES) {
    let decoded = 0;
    for (let i = 0; i < 1000; i++) {
      if (agrees(schema, generate(fields, rng, { loose: true }))) decoded++;
    }
    // Most loose messages are still plain enough for the fast path; the rest went to protobuf-es.
    assert.ok(decoded > 100, `${schema.name}: only ${decoded} of 1000 decoded by hand`);
    assert.ok(decoded < 1000, `${schema.name}: every loose message decoded by hand`);
  }
});

Deno.test("decodeEventReply never accepts a mutated or truncated payload that protobuf-es rejects", () => {
  const rng = new Prng(14);
  for (const [schema, fields] of SHAPES) {
    for (let i = 0; i < 1500; i++) {
      const bytes = generate(fields, rng, { loose: false });
      if (bytes.length === 0) continue;
      const mutated = rng.chance(0.5)
        ? bytes.subarray(0, rng.int(0, bytes.length - 1))
        : Uint8Array.from(bytes, (b) => rng.chance(0.02) ? rng.nextUint32() & 0xff : b);
      agrees(schema, mutated);
    }
  }
});

Deno.test("decodeEventReply reads data and metadata as views of the payload it was given", () => {
  const payload = encodeMessage(pb.ReadStreamEventsCompletedSchema, {
    events: [{
      event: {
        eventStreamId: "s",
        eventNumber: 0n,
        eventId: new Uint8Array(16),
        eventType: "t",
        data: new Uint8Array([1, 2, 3]),
        metadata: new Uint8Array([4]),
      },
    }],
  });
  const page = decodeEventReply(
    pb.ReadStreamEventsCompletedSchema,
    payload,
  ) as pb.ReadStreamEventsCompleted;
  const record = page.events[0].event!;
  assert.equal(record.data.buffer, payload.buffer);
  assert.deepEqual([...record.data], [1, 2, 3]);
  assert.deepEqual([...record.metadata], [4]);
});

Deno.test("decodeEventReply leaves other schemas to protobuf-es", () => {
  assert.equal(
    decodeEventReply(pb.DeleteStreamCompletedSchema, new Uint8Array([0x08, 0x00])),
    undefined,
  );
});

Deno.test("decodeReply fails a truncated read page with ProtocolError as before", () => {
  const payload = encodeMessage(pb.ReadStreamEventsCompletedSchema, {
    events: [{
      event: { eventStreamId: "s", eventId: new Uint8Array(16), data: new Uint8Array(8) },
    }],
  });
  const message = decodeReply({
    command: TcpCommand.ReadStreamEventsForwardCompleted,
    correlationId: "",
    payload: payload.subarray(0, payload.length - 3),
  });
  assert.ok(message.error instanceof ProtocolError);
  assert.equal(message.body, undefined);
});

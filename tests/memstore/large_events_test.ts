import assert from "node:assert/strict";
import {
  OperationResult,
  ReadAllEventsCompletedSchema,
  ReadAllEventsSchema,
  ReadEventCompleted_ReadEventResult,
  ReadEventCompletedSchema,
  ReadEventSchema,
  ReadStreamEventsCompletedSchema,
  ReadStreamEventsSchema,
  StreamEventAppearedSchema,
  SubscribeToStreamSchema,
  WriteEventsCompletedSchema,
  WriteEventsSchema,
} from "../../gen/client_messages_pb.ts";
import { MAX_EVENT_SIZE } from "../../lib/memstore/handlers/validation.ts";
import { startMemoryStore } from "../../lib/memstore/mod.ts";
import { MemoryStorage, type NewEventData } from "../../lib/memstore/storage.ts";
import { DEFAULT_MAX_PACKAGE_SIZE, encodePackage } from "../../lib/wire/package_codec.ts";
import { decodeMessage, encodeMessage } from "../../lib/wire/proto_codec.ts";
import { TcpCommand } from "../../lib/wire/tcp_command.ts";
import { ManualClock } from "../support/manual_clock.ts";
import { ADMIN, newEvent, WireClient } from "./support/wire_client.ts";

const MiB = 1024 * 1024;

function readStream(client: WireClient, stream: string, from: bigint, forward: boolean) {
  return client.call(
    forward ? TcpCommand.ReadStreamEventsForward : TcpCommand.ReadStreamEventsBackward,
    ReadStreamEventsSchema,
    { eventStreamId: stream, fromEventNumber: from, maxCount: 500, resolveLinkTos: false },
    forward
      ? TcpCommand.ReadStreamEventsForwardCompleted
      : TcpCommand.ReadStreamEventsBackwardCompleted,
    ReadStreamEventsCompletedSchema,
  );
}

function readAll(client: WireClient, forward: boolean, position: bigint) {
  return client.call(
    forward ? TcpCommand.ReadAllEventsForward : TcpCommand.ReadAllEventsBackward,
    ReadAllEventsSchema,
    { commitPosition: position, preparePosition: position, maxCount: 500, resolveLinkTos: false },
    forward ? TcpCommand.ReadAllEventsForwardCompleted : TcpCommand.ReadAllEventsBackwardCompleted,
    ReadAllEventsCompletedSchema,
    { credentials: ADMIN },
  );
}

Deno.test("a 16 MiB event is served by every read and by live subscriptions on its stream and $all", async () => {
  // No heartbeats: the subscribers read nothing while the writer works, and on a loaded machine
  // that takes longer than the real-clock heartbeat timeout.
  await using store = await startMemoryStore({ listen: false, heartbeat: false });
  await using writer = new WireClient(store.connectPipe());
  await using streamSub = new WireClient(store.connectPipe());
  await using allSub = new WireClient(store.connectPipe());
  for (const [client, stream] of [[streamSub, "big"], [allSub, ""]] as const) {
    const id = await client.send(
      TcpCommand.SubscribeToStream,
      encodeMessage(SubscribeToStreamSchema, { eventStreamId: stream, resolveLinkTos: false }),
      { credentials: ADMIN },
    );
    assert.equal((await client.replyTo(id)).command, TcpCommand.SubscriptionConfirmation);
  }
  await writer.write("big", -2n, [{ data: "{}" }]);
  const data = "x".repeat(MAX_EVENT_SIZE - 64);
  const written = await writer.write("big", -2n, [{ data, isJson: false }]);
  assert.equal(written.result, OperationResult.Success);
  await writer.write("big", -2n, [{ data: "{}" }]);

  const one = await writer.call(
    TcpCommand.ReadEvent,
    ReadEventSchema,
    { eventStreamId: "big", eventNumber: 1n, resolveLinkTos: false },
    TcpCommand.ReadEventCompleted,
    ReadEventCompletedSchema,
  );
  assert.equal(one.result, ReadEventCompleted_ReadEventResult.Success);
  assert.equal(one.event?.event?.data.length, data.length);
  for (const forward of [true, false]) {
    const page = await readStream(writer, "big", forward ? 0n : -1n, forward);
    assert.deepEqual(
      page.events.map((e) => e.event?.data.length),
      forward ? [2, data.length, 2] : [2, data.length, 2],
    );
    const all = await readAll(writer, forward, forward ? 0n : -1n);
    assert.equal(all.events.length, 3);
    assert.equal(all.events[1].event?.data.length, data.length);
  }
  for (const client of [streamSub, allSub]) {
    const sizes = [];
    for (let i = 0; i < 3; i++) {
      const pkg = await client.next();
      assert.equal(pkg?.command, TcpCommand.StreamEventAppeared);
      sizes.push(decodeMessage(StreamEventAppearedSchema, pkg!.payload).event?.event?.data.length);
    }
    assert.deepEqual(sizes, [2, data.length, 2]);
  }
  assert.equal(store.connectionCount, 3);
});

Deno.test("one reply larger than the send queue's byte bound is still sent", async () => {
  await using store = await startMemoryStore({ listen: false, sendQueue: { maxBytes: 64 * 1024 } });
  await using client = new WireClient(store.connectPipe());
  await client.write("s", -2n, [{ data: "y".repeat(MiB), isJson: false }]);
  const page = await readStream(client, "s", 0n, true);
  assert.equal(page.events[0].event?.data.length, MiB);
  assert.equal(store.connectionCount, 1);
});

Deno.test("a page past the maximum frame size is sent whole, as the real server sends it", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using client = new WireClient(store.connectPipe(), {
    maxPackageSize: 4 * DEFAULT_MAX_PACKAGE_SIZE,
  });
  const data = "z".repeat(15 * MiB);
  for (let i = 0; i < 5; i++) await client.write("huge", -2n, [{ data, isJson: false }]);
  const id = await client.send(
    TcpCommand.ReadStreamEventsForward,
    encodeMessage(ReadStreamEventsSchema, {
      eventStreamId: "huge",
      fromEventNumber: 0n,
      maxCount: 10,
      resolveLinkTos: false,
    }),
  );
  const reply = await client.replyTo(id);
  assert.ok(reply.payload.length > DEFAULT_MAX_PACKAGE_SIZE, `${reply.payload.length} bytes`);
  const page = decodeMessage(ReadStreamEventsCompletedSchema, reply.payload);
  assert.equal(page.events.length, 5);
  assert.equal(page.isEndOfStream, true);
});

function big(size: number): NewEventData {
  return {
    eventId: crypto.randomUUID(),
    eventType: "Big",
    isJson: false,
    data: new Uint8Array(size),
  };
}

Deno.test("reads end a page early at maxBytes, never before the first event, and continue after it", () => {
  const storage = new MemoryStorage();
  for (let i = 0; i < 6; i++) storage.append("s", -2n, [big(1000)]);
  const size = storage.eventAt("s", 0n)!.encodedLength;
  const forward = storage.readStreamForward("s", 0n, 10, size * 2.5);
  assert.ok(forward.status === "success");
  assert.deepEqual(forward.events.map((e) => e.eventNumber), [0n, 1n]);
  assert.equal(forward.nextEventNumber, 2n);
  assert.equal(forward.isEndOfStream, false);
  const backward = storage.readStreamBackward("s", -1n, 10, size * 2.5);
  assert.ok(backward.status === "success");
  assert.deepEqual(backward.events.map((e) => e.eventNumber), [5n, 4n]);
  assert.equal(backward.nextEventNumber, 3n);
  assert.equal(backward.isEndOfStream, false);
  const first = storage.readStreamForward("s", 0n, 10, 1);
  assert.ok(first.status === "success");
  assert.equal(first.events.length, 1);
  const all = storage.readAllForward({ commit: 0, prepare: 0 }, 10, () => true, 10, size * 3.5);
  assert.ok(all.status === "success");
  assert.equal(all.events.length, 3);
  assert.equal(all.isEndOfStream, false);
  const rest = storage.readAllForward(all.next, 10, () => true, 10, Infinity);
  assert.ok(rest.status === "success");
  assert.deepEqual(rest.events.map((e) => e.eventNumber), [3n, 4n, 5n]);
  const back = storage.readAllBackward({ commit: -1, prepare: -1 }, 10, () => true, 10, size * 1.5);
  assert.ok(back.status === "success");
  assert.deepEqual(back.events.map((e) => e.eventNumber), [5n]);
  const backRest = storage.readAllBackward(back.next, 10, () => true, 10, Infinity);
  assert.ok(backRest.status === "success");
  assert.deepEqual(backRest.events.map((e) => e.eventNumber), [4n, 3n, 2n, 1n, 0n]);
});

Deno.test("an 8 MiB write uploaded at 2 MiB/s is accepted, not cut by the heartbeat timeout", async () => {
  const clock = new ManualClock();
  await using store = await startMemoryStore({
    listen: false,
    clock,
    heartbeat: { intervalMs: 2000, timeoutMs: 1000 },
  });
  await using client = new WireClient(store.connectPipe());
  const correlationId = crypto.randomUUID();
  const bytes = encodePackage({
    command: TcpCommand.WriteEvents,
    correlationId,
    payload: encodeMessage(WriteEventsSchema, {
      eventStreamId: "slow",
      expectedVersion: -2n,
      events: [{ ...newEvent(), data: new Uint8Array(8 * MiB) }],
      requireLeader: false,
    }),
  });
  // 256 KiB every 125 ms of fake time: 4 s for the whole package, bytes arriving all along.
  const slice = 256 * 1024;
  for (let offset = 0; offset < bytes.length; offset += slice) {
    await client.writer.write(bytes.subarray(offset, offset + slice));
    // The pipe holds 64 KiB: `ready` resolves once the server has taken this slice.
    await client.writer.ready;
    clock.advance(125);
  }
  const reply = await client.replyTo(correlationId);
  assert.equal(reply.command, TcpCommand.WriteEventsCompleted);
  assert.equal(
    decodeMessage(WriteEventsCompletedSchema, reply.payload).result,
    OperationResult.Success,
  );
  assert.equal(store.connectionCount, 1);
});

Deno.test("2,000 connections that claim a 64 MiB frame and stall are dropped by heartbeat while a normal client is served", async () => {
  const COUNT = 2_000;
  const clock = new ManualClock();
  await using store = await startMemoryStore({
    listen: false,
    clock,
    heartbeat: { intervalMs: 2000, timeoutMs: 1000 },
  });
  const claim = new Uint8Array([0xff, 0xff, 0xff, 0x03, TcpCommand.WriteEvents, 0, 7]);
  assert.equal(new DataView(claim.buffer).getInt32(0, true), DEFAULT_MAX_PACKAGE_SIZE - 1);
  const stalled = Array.from({ length: COUNT }, () => store.connectPipe());
  await Promise.all(stalled.map(async (pipe) => {
    const writer = pipe.writable.getWriter();
    await writer.write(claim);
    writer.releaseLock();
  }));
  await using client = new WireClient(store.connectPipe());
  assert.equal((await client.write("alive", -2n)).result, OperationResult.Success);
  assert.equal(store.connectionCount, COUNT + 1);
  // The normal client talks through two intervals and a timeout; the stalled ones say nothing.
  for (const ms of [2000, 2000, 1000]) {
    clock.advance(ms);
    assert.equal((await client.request(TcpCommand.Ping)).command, TcpCommand.Pong);
  }
  await Promise.all(stalled.map(async (pipe) => {
    const reader = pipe.readable.getReader();
    while (!(await reader.read().catch(() => ({ done: true }))).done) {
      // the HeartbeatRequest, then the end
    }
  }));
  assert.equal((await client.write("alive", -2n)).result, OperationResult.Success);
  assert.equal(store.connectionCount, 1);
});

import assert from "node:assert/strict";
import {
  IdentifyClientSchema,
  NotHandled_NotHandledReason,
  NotHandledSchema,
  OperationResult,
  ReadEventCompleted_ReadEventResult,
  ReadEventCompletedSchema,
  ReadEventSchema,
  WriteEventsCompletedSchema,
  WriteEventsSchema,
} from "../../gen/client_messages_pb.ts";
import {
  BadRequestError,
  ConnectionClosedError,
  NotAuthenticatedError,
  NotHandledError,
  OperationTimeoutError,
  ProtocolError,
} from "../../lib/errors.ts";
import { decodeMessage, encodeMessage } from "../../lib/wire/proto_codec.ts";
import { TcpCommand } from "../../lib/wire/tcp_command.ts";
import { guidToBytes, ZERO_GUID } from "../../lib/wire/guid.ts";
import type { ConnectionState } from "../../lib/client/connection_state.ts";
import { connectFake } from "./support/fake_peer.ts";
import { ManualClock } from "../support/manual_clock.ts";

const utf8 = new TextEncoder();

function writeSuccess(last: bigint): Uint8Array {
  return encodeMessage(WriteEventsCompletedSchema, {
    result: OperationResult.Success,
    firstEventNumber: last,
    lastEventNumber: last,
    preparePosition: 100n + last,
    commitPosition: 100n + last,
  });
}

Deno.test("connect() identifies itself with IdentifyClient version 1 and the connection name", async () => {
  const { client, peer, identify } = await connectFake({ name: "my-app" });
  await using _ = client;
  assert.equal(identify.command, TcpCommand.IdentifyClient);
  const message = decodeMessage(IdentifyClientSchema, identify.payload);
  assert.equal(message.version, 1);
  assert.equal(message.connectionName, "my-app");
  assert.equal(client.state.status, "connected");
  peer.close();
});

Deno.test("connect() names the connection ES-<guid> by default", async () => {
  const { client, peer, identify } = await connectFake();
  await using _ = client;
  const name = decodeMessage(IdentifyClientSchema, identify.payload).connectionName;
  assert.match(name, /^ES-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  peer.close();
});

Deno.test("the connection answers a server heartbeat request with the same correlation id", async () => {
  const { client, peer } = await connectFake();
  await using _ = client;
  const id = "00112233-4455-6677-8899-aabbccddeeff";
  await peer.send({
    command: TcpCommand.HeartbeatRequest,
    correlationId: id,
    payload: new Uint8Array(0),
  });
  const response = await peer.receive({ heartbeats: true });
  assert.equal(response.command, TcpCommand.HeartbeatResponse);
  assert.equal(response.correlationId, id);
  peer.close();
});

Deno.test("an idle connection sends a heartbeat request, and closes when the server stays silent", async () => {
  const clock = new ManualClock();
  const { client, peer } = await connectFake({
    clock,
    heartbeatInterval: 750,
    heartbeatTimeout: 1500,
  });
  await using _ = client;
  clock.advance(750);
  const request = await peer.receive();
  assert.equal(request.command, TcpCommand.HeartbeatRequest);
  assert.equal(client.state.status as string, "connected");
  // A real timer never fires before pending microtasks: let the queue see its write complete.
  for (let turn = 0; turn < 20; turn++) await Promise.resolve();
  clock.advance(1500);
  const state: ConnectionState = client.state;
  if (state.status !== "closed") throw new Error(`expected closed, got ${state.status}`);
  assert.ok(state.error instanceof ConnectionClosedError);
  assert.match(state.error.message, /heartbeat/);
  peer.close();
});

Deno.test("any package from the server counts as liveness: no heartbeat request while traffic flows", async () => {
  const clock = new ManualClock();
  const { client, peer } = await connectFake({ clock, heartbeatInterval: 750 });
  await using _ = client;
  const ping = client.ping();
  const request = await peer.receive();
  assert.equal(request.command, TcpCommand.Ping);
  await peer.reply(request, TcpCommand.Pong);
  await ping;
  clock.advance(750); // a package arrived in this interval: no request
  const second = client.ping();
  const next = await peer.receive();
  assert.equal(next.command, TcpCommand.Ping, "the next package is the ping, not a heartbeat");
  await peer.reply(next, TcpCommand.Pong);
  await second;
  peer.close();
});

Deno.test("1,000 concurrent operations on one connection are all answered and correctly routed", async () => {
  const { client, peer } = await connectFake();
  await using _ = client;
  const count = 1000;
  const writes = Array.from(
    { length: count },
    (_, i) => client.publishEvent(`stream-${i}`, "counted", { body: { i } }),
  );
  const requests = [];
  for (let i = 0; i < count; i++) requests.push(await peer.receive());
  // Answer in reverse order, each with a number derived from its own stream name.
  for (const request of requests.reverse()) {
    const stream = decodeMessage(WriteEventsSchema, request.payload).eventStreamId;
    await peer.reply(
      request,
      TcpCommand.WriteEventsCompleted,
      writeSuccess(BigInt(stream.slice(7))),
    );
  }
  const results = await Promise.all(writes);
  results.forEach((result, i) => assert.equal(result.lastEventNumber, BigInt(i)));
  peer.close();
});

Deno.test("close() fails pending operations with ConnectionClosedError", async () => {
  const { client, peer } = await connectFake();
  const pending = assert.rejects(client.getEvent("s", 0), ConnectionClosedError);
  await peer.receive();
  await client.close();
  await pending;
  await client.close(); // twice is a no-op
  await assert.rejects(client.ping(), ConnectionClosedError);
  peer.close();
});

Deno.test("await using closes the connection at the end of the scope", async () => {
  const { client, peer } = await connectFake();
  {
    await using conn = client;
    assert.equal(conn.state.status, "connected");
  }
  assert.equal(client.state.status, "closed");
  await peer.closed();
  peer.close();
});

Deno.test("an AbortSignal cancels an operation: it rejects with the reason and a late reply is ignored", async () => {
  const { client, peer } = await connectFake();
  await using _ = client;
  const controller = new AbortController();
  const read = client.getEvent("s", 0, { signal: controller.signal });
  const request = await peer.receive();
  const reason = new Error("user gave up");
  controller.abort(reason);
  await assert.rejects(read, (error) => error === reason);
  // The late reply must not disturb anything.
  await peer.reply(
    request,
    TcpCommand.ReadEventCompleted,
    encodeMessage(ReadEventCompletedSchema, {
      result: ReadEventCompleted_ReadEventResult.NotFound,
    }),
  );
  const ping = client.ping();
  await peer.reply(await peer.receive(), TcpCommand.Pong);
  await ping;
  peer.close();
});

Deno.test("an already aborted signal fails the call before anything is sent", async () => {
  const { client, peer } = await connectFake();
  await using _ = client;
  const controller = new AbortController();
  controller.abort(new Error("early"));
  await assert.rejects(client.ping({ signal: controller.signal }), /early/);
  const ping = client.ping();
  const next = await peer.receive();
  assert.equal(next.command, TcpCommand.Ping); // the first ping never went out: this is the second
  await peer.reply(next, TcpCommand.Pong);
  await ping;
  peer.close();
});

Deno.test("an operation with no reply fails with OperationTimeoutError after its timeout", async () => {
  const clock = new ManualClock();
  const { client, peer } = await connectFake({
    clock,
    operationTimeout: 7000,
    heartbeatInterval: 1e9,
  });
  await using _ = client;
  const read = client.getEvent("s", 0, { timeout: 250 });
  await peer.receive();
  clock.advance(249);
  clock.advance(1);
  await assert.rejects(read, (error) => {
    assert.ok(error instanceof OperationTimeoutError);
    assert.equal(error.operation, "ReadEvent");
    assert.equal(error.timeoutMs, 250);
    return true;
  });
  assert.equal(client.state.status, "connected");
  peer.close();
});

Deno.test("the default operation timeout comes from the connect options", async () => {
  const clock = new ManualClock();
  const { client, peer } = await connectFake({
    clock,
    operationTimeout: 1000,
    heartbeatInterval: 1e9,
  });
  await using _ = client;
  const write = client.publishEvent("s", "t", { body: {} });
  await peer.receive();
  clock.advance(1000);
  await assert.rejects(write, OperationTimeoutError);
  peer.close();
});

Deno.test("a malformed reply fails its operation with ProtocolError and closes the connection", async () => {
  const { client, peer } = await connectFake();
  const other = client.ping();
  other.catch(() => {}); // checked below
  const read = client.getEvent("s", 0);
  const first = await peer.receive();
  const second = await peer.receive();
  const readRequest = first.command === TcpCommand.ReadEvent ? first : second;
  await peer.reply(readRequest, TcpCommand.ReadEventCompleted, new Uint8Array([0xff, 0xff, 0xff]));
  await assert.rejects(read, ProtocolError);
  await assert.rejects(other, (error) => {
    assert.ok(error instanceof ConnectionClosedError);
    assert.ok(error.cause instanceof ProtocolError);
    return true;
  });
  assert.equal(client.state.status, "closed");
  await client.close();
  peer.close();
});

Deno.test("a frame with a bad length prefix closes the connection with a ProtocolError cause", async () => {
  const { client, peer } = await connectFake();
  const read = client.getEvent("s", 0);
  await peer.receive();
  await peer.sendBytes(new Uint8Array([0x01, 0, 0, 0, 0]));
  await assert.rejects(read, (error) => {
    assert.ok(error instanceof ConnectionClosedError);
    assert.ok(error.cause instanceof ProtocolError);
    return true;
  });
  await client.close();
  peer.close();
});

Deno.test("a reply with an unexpected command fails the operation with ProtocolError", async () => {
  const { client, peer } = await connectFake();
  const read = client.getEvent("s", 0);
  const request = await peer.receive();
  await peer.reply(request, TcpCommand.WriteEventsCompleted, writeSuccess(0n));
  await assert.rejects(
    read,
    (error) => error instanceof ProtocolError && error.kind === "unexpected-command",
  );
  await client.close();
  peer.close();
});

Deno.test("a connection-wide BadRequest (zero correlation id) closes the connection", async () => {
  const { client, peer } = await connectFake();
  const read = client.getEvent("s", 0);
  await peer.receive();
  await peer.send({
    command: TcpCommand.BadRequest,
    correlationId: ZERO_GUID,
    payload: utf8.encode("bad frame"),
  });
  await assert.rejects(read, (error) => {
    assert.ok(error instanceof ConnectionClosedError);
    assert.ok(error.cause instanceof BadRequestError);
    return true;
  });
  await client.close();
  peer.close();
});

Deno.test("BadRequest, NotAuthenticated and NotHandled replies fail only their operation, with typed errors", async () => {
  const { client, peer } = await connectFake();
  await using _ = client;
  const a = client.getEvent("a", 0);
  const b = client.getEvent("b", 0);
  const c = client.getEvent("c", 0);
  for (let i = 0; i < 3; i++) {
    const request = await peer.receive();
    const stream = decodeMessage(ReadEventSchema, request.payload).eventStreamId;
    if (stream === "a") await peer.reply(request, TcpCommand.BadRequest, utf8.encode("nope"));
    if (stream === "b") {
      await peer.reply(request, TcpCommand.NotAuthenticated, utf8.encode("Not Authenticated"));
    }
    if (stream === "c") {
      await peer.reply(
        request,
        TcpCommand.NotHandled,
        encodeMessage(NotHandledSchema, {
          reason: NotHandled_NotHandledReason.TooBusy,
        }),
      );
    }
  }
  await assert.rejects(a, (e) => e instanceof BadRequestError && /nope/.test(e.message));
  await assert.rejects(b, NotAuthenticatedError);
  await assert.rejects(c, (e) => e instanceof NotHandledError && e.reason === "TooBusy");
  assert.equal(client.state.status, "connected");
  peer.close();
});

Deno.test("errors from the read loop carry the caller's stack", async () => {
  const { client, peer } = await connectFake();
  await using _ = client;
  async function callerFunctionWithDistinctName() {
    return await client.getEvent("s", 0);
  }
  const read = callerFunctionWithDistinctName();
  const request = await peer.receive();
  await peer.reply(
    request,
    TcpCommand.ReadEventCompleted,
    encodeMessage(ReadEventCompletedSchema, {
      result: ReadEventCompleted_ReadEventResult.NoStream,
    }),
  );
  await assert.rejects(read, (error: Error) => {
    assert.match(error.stack ?? "", /callerFunctionWithDistinctName/);
    return true;
  });
  peer.close();
});

Deno.test("credentials go in the auth block and never into errors or toString()", async () => {
  const { client, peer } = await connectFake({
    credentials: { username: "admin", password: "s3cret-pw" },
  });
  await using _ = client;
  const read = client.getEvent("s", 0);
  const request = await peer.receive();
  assert.deepEqual(request.credentials, { username: "admin", password: "s3cret-pw" });
  await peer.reply(request, TcpCommand.NotAuthenticated, utf8.encode("Not Authenticated"));
  const error = await read.catch((e: Error) => e);
  assert.ok(error instanceof NotAuthenticatedError);
  assert.doesNotMatch(`${error.message} ${error.stack} ${String(client)}`, /s3cret-pw/);
  const override = client.getEvent("s", 0, { credentials: { username: "ops", password: "x" } });
  const second = await peer.receive();
  assert.equal(second.credentials?.username, "ops");
  await peer.reply(second, TcpCommand.NotAuthenticated);
  await assert.rejects(override, NotAuthenticatedError);
  peer.close();
});

Deno.test("a server that closes the connection fails pending operations with ConnectionClosedError", async () => {
  const { client, peer } = await connectFake();
  const read = client.getEvent("s", 0);
  await peer.receive();
  peer.close();
  await assert.rejects(read, ConnectionClosedError);
  assert.equal(client.state.status, "closed");
  await client.close();
});

Deno.test("an event too large for a package fails before anything is sent", async () => {
  const { client, peer } = await connectFake();
  await using _ = client;
  const huge = new Uint8Array(64 * 1024 * 1024);
  await assert.rejects(client.publishEvent("s", "big", { body: huge }), RangeError);
  const ping = assert.rejects(client.ping(), ConnectionClosedError);
  assert.equal((await peer.receive()).command, TcpCommand.Ping);
  peer.close();
  await ping;
});

Deno.test("event ids are sent in .NET byte order", async () => {
  const { client, peer } = await connectFake();
  await using _ = client;
  const id = "00112233-4455-6677-8899-aabbccddeeff";
  const write = client.publishEvent("s", "t", { body: 1, id });
  const request = await peer.receive();
  const message = decodeMessage(WriteEventsSchema, request.payload);
  assert.deepEqual(message.events[0].eventId, guidToBytes(id));
  assert.equal(message.requireLeader, true);
  await peer.reply(request, TcpCommand.WriteEventsCompleted, writeSuccess(0n));
  await write;
  peer.close();
});

Deno.test("watch() reports state changes as data", async () => {
  const { client, peer } = await connectFake();
  const seen: string[] = [];
  const stop = client.watch((state) => seen.push(state.status));
  await client.close();
  stop();
  assert.deepEqual(seen, ["closed"]);
  peer.close();
});

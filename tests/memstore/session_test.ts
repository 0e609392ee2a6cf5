import assert from "node:assert/strict";
import {
  IdentifyClientSchema,
  NotHandled_NotHandledReason,
  NotHandledSchema,
  OperationResult,
  ScavengeDatabaseResponse_ScavengeResult,
  ScavengeDatabaseResponseSchema,
  SubscribeToStreamSchema,
  WriteEventsCompletedSchema,
  WriteEventsSchema,
} from "../../gen/client_messages_pb.ts";
import { startMemoryStore } from "../../lib/memstore/mod.ts";
import { ZERO_GUID } from "../../lib/wire/guid.ts";
import { encodePackage } from "../../lib/wire/package_codec.ts";
import { decodeMessage, encodeMessage } from "../../lib/wire/proto_codec.ts";
import { TcpCommand, TcpFlags } from "../../lib/wire/tcp_command.ts";
import { ManualClock } from "../support/manual_clock.ts";
import { ADMIN, newEvent, WireClient } from "./support/wire_client.ts";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

Deno.test("a bad length prefix gets BadRequest with the zero id and closes only that connection", async () => {
  const lines: string[] = [];
  await using store = await startMemoryStore({ listen: false, log: (l) => lines.push(l) });
  await using good = new WireClient(store.connectPipe());
  const bad = new WireClient(store.connectPipe());
  await bad.writeRaw(new Uint8Array([0x05, 0, 0, 0, 1, 2, 3, 4, 5]));
  const reply = await bad.next();
  assert.equal(reply?.command, TcpCommand.BadRequest);
  assert.equal(reply?.correlationId, ZERO_GUID);
  assert.match(text(reply!.payload), /^Invalid TCP frame received\. Error: /);
  assert.equal(await bad.ended(), true);
  await bad.close();
  assert.ok(lines.some((l) => l.includes("invalid TCP frame")));
  const written = await good.write("still-works", -2n);
  assert.equal(written.result, OperationResult.Success);
  assert.equal(store.connectionCount, 1);
});

Deno.test("an auth block that does not fit gets BadRequest with the zero id and closes", async () => {
  await using store = await startMemoryStore({ listen: false });
  const client = new WireClient(store.connectPipe());
  const bytes = encodePackage({
    command: TcpCommand.Ping,
    correlationId: crypto.randomUUID(),
    credentials: { username: "admin", password: "changeit" },
    payload: new Uint8Array(0),
  });
  bytes[4 + 18] = 200; // login length beyond the package
  await client.writeRaw(bytes);
  const reply = await client.next();
  assert.equal(reply?.command, TcpCommand.BadRequest);
  assert.equal(reply?.correlationId, ZERO_GUID);
  assert.match(text(reply!.payload), /^Received bad network package\. Error: Auth block/);
  assert.doesNotMatch(text(reply!.payload), /changeit/);
  assert.equal(await client.ended(), true);
  await client.close();
});

Deno.test("an unknown command gets BadRequest with its correlation id and the connection stays open", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using client = new WireClient(store.connectPipe());
  const id = await client.send(0x17, new Uint8Array([1, 2]));
  const reply = await client.replyTo(id);
  assert.equal(reply.command, TcpCommand.BadRequest);
  assert.match(text(reply.payload), /^Could not unwrap network package for command /);
  assert.equal((await client.write("s", -2n)).result, OperationResult.Success);
});

Deno.test("an undecodable persistent-subscription payload gets BadRequest naming the command", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using client = new WireClient(store.connectPipe());
  const reply = await client.request(
    TcpCommand.CreatePersistentSubscription,
    new Uint8Array([0x0a, 0x05, 0x61]),
  );
  assert.equal(reply.command, TcpCommand.BadRequest);
  assert.match(
    text(reply.payload),
    /^Could not unwrap network package for command CreatePersistentSubscription\.\n/,
  );
});

Deno.test("an undecodable payload gets BadRequest and the connection stays open", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using client = new WireClient(store.connectPipe());
  const reply = await client.request(TcpCommand.WriteEvents, new Uint8Array([0x0a, 0x05, 0x61]));
  assert.equal(reply.command, TcpCommand.BadRequest);
  assert.match(
    text(reply.payload),
    /^Could not unwrap network package for command WriteEvents\.\n/,
  );
  assert.equal((await client.write("s", -2n)).result, OperationResult.Success);
});

Deno.test("invalid writes are refused with BadRequest while unwrapping", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using client = new WireClient(store.connectPipe());
  const cases: [string, Parameters<typeof encodeMessage<typeof WriteEventsSchema>>[1]][] = [
    ["expected version -3", { eventStreamId: "s", expectedVersion: -3n, events: [newEvent()] }],
    ["expected version -5", { eventStreamId: "s", expectedVersion: -5n, events: [newEvent()] }],
    ["empty stream", { eventStreamId: "", expectedVersion: -2n, events: [newEvent()] }],
    ["zero id", {
      eventStreamId: "s",
      expectedVersion: -2n,
      events: [newEvent({ eventId: ZERO_GUID })],
    }],
    ["empty type", {
      eventStreamId: "s",
      expectedVersion: -2n,
      events: [newEvent({ eventType: "" })],
    }],
  ];
  for (const [name, init] of cases) {
    const reply = await client.request(
      TcpCommand.WriteEvents,
      encodeMessage(WriteEventsSchema, init),
    );
    assert.equal(reply.command, TcpCommand.BadRequest, name);
  }
  const ok = await client.write("s", -2n);
  assert.equal(ok.result, OperationResult.Success);
  assert.equal(ok.firstEventNumber, 0n, "nothing was written by the refused requests");
});

Deno.test("a package with the TrustedWrite flag gets BadRequest and the connection closes", async () => {
  await using store = await startMemoryStore({ listen: false });
  const client = new WireClient(store.connectPipe());
  const bytes = encodePackage({
    command: TcpCommand.Ping,
    correlationId: crypto.randomUUID(),
    payload: new Uint8Array(0),
  });
  bytes[5] = TcpFlags.TrustedWrite;
  await client.writeRaw(bytes);
  const reply = await client.next();
  assert.equal(reply?.command, TcpCommand.BadRequest);
  assert.match(text(reply!.payload), /Trusted writes/);
  assert.equal(await client.ended(), true);
  await client.close();
});

Deno.test("Ping gets Pong with the same correlation id and payload", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using client = new WireClient(store.connectPipe());
  const reply = await client.request(TcpCommand.Ping, new Uint8Array([9, 8, 7]));
  assert.equal(reply.command, TcpCommand.Pong);
  assert.deepEqual(reply.payload, new Uint8Array([9, 8, 7]));
});

Deno.test("IdentifyClient gets ClientIdentified", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using client = new WireClient(store.connectPipe());
  const reply = await client.request(
    TcpCommand.IdentifyClient,
    encodeMessage(IdentifyClientSchema, { version: 1, connectionName: "test" }),
  );
  assert.equal(reply.command, TcpCommand.ClientIdentified);
  assert.equal(reply.payload.length, 0);
});

Deno.test("a client HeartbeatRequest gets a HeartbeatResponse with the same correlation id", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using client = new WireClient(store.connectPipe());
  const reply = await client.request(TcpCommand.HeartbeatRequest);
  assert.equal(reply.command, TcpCommand.HeartbeatResponse);
});

Deno.test("the server sends HeartbeatRequest after an idle interval and closes after the timeout", async () => {
  const clock = new ManualClock();
  await using store = await startMemoryStore({
    listen: false,
    clock,
    heartbeat: { intervalMs: 2000, timeoutMs: 1000 },
  });
  const client = new WireClient(store.connectPipe());
  client.skipHeartbeats = false;
  clock.advance(1999);
  clock.advance(1);
  const request = await client.next();
  assert.equal(request?.command, TcpCommand.HeartbeatRequest);
  clock.advance(999);
  assert.equal(store.connectionCount, 1);
  clock.advance(1);
  assert.equal(await client.ended(), true);
  await client.close();
  assert.equal(store.connectionCount, 0);
  assert.equal(clock.pending, 0, "a closed connection leaves no timers behind");
});

Deno.test("the server sends a HeartbeatRequest when the client talked but the server was silent", async () => {
  const clock = new ManualClock();
  const { promise: logged, resolve } = Promise.withResolvers<void>();
  await using store = await startMemoryStore({
    listen: false,
    clock,
    log: (line) => line.includes("client sent BadRequest") && resolve(),
  });
  await using client = new WireClient(store.connectPipe());
  client.skipHeartbeats = false;
  // A package the server only logs: the client is alive, the server stays silent.
  await client.send(TcpCommand.BadRequest, new TextEncoder().encode("hello"));
  await logged;
  clock.advance(2000);
  assert.equal((await client.next())?.command, TcpCommand.HeartbeatRequest);
  // No timeout check was armed (the client was not silent): the connection stays usable.
  clock.advance(1000);
  assert.equal((await client.request(TcpCommand.Ping)).command, TcpCommand.Pong);
});

Deno.test("answering the server's heartbeat keeps the connection open", async () => {
  const clock = new ManualClock();
  await using store = await startMemoryStore({ listen: false, clock });
  await using client = new WireClient(store.connectPipe());
  client.skipHeartbeats = false;
  for (let i = 0; i < 3; i++) {
    clock.advance(2000);
    const request = await client.next();
    assert.equal(request?.command, TcpCommand.HeartbeatRequest);
    await client.send(TcpCommand.HeartbeatResponse, undefined, {
      correlationId: request!.correlationId,
    });
    // Let the server read the response before the timeout check.
    assert.equal((await client.request(TcpCommand.Ping)).command, TcpCommand.Pong);
    clock.advance(1000);
  }
  assert.equal(store.connectionCount, 1);
});

Deno.test("setNotHandled answers requests with NotHandled until cleared", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using client = new WireClient(store.connectPipe());
  store.setNotHandled("TooBusy");
  const reply = await client.request(
    TcpCommand.WriteEvents,
    encodeMessage(WriteEventsSchema, {
      eventStreamId: "s",
      expectedVersion: -2n,
      events: [newEvent()],
    }),
  );
  assert.equal(reply.command, TcpCommand.NotHandled);
  assert.equal(
    decodeMessage(NotHandledSchema, reply.payload).reason,
    NotHandled_NotHandledReason.TooBusy,
  );
  store.setNotHandled(null);
  const written = await client.write("s", -2n);
  assert.equal(written.firstEventNumber, 0n);
});

// ---- authentication, docs/protocol.md §4.3 ------------------------------------------------------------

Deno.test("wrong per-package credentials get NotAuthenticated and the request is not run", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using client = new WireClient(store.connectPipe());
  const reply = await client.request(
    TcpCommand.WriteEvents,
    encodeMessage(WriteEventsSchema, {
      eventStreamId: "s",
      expectedVersion: -2n,
      events: [newEvent()],
    }),
    { credentials: { username: "admin", password: "wrong" } },
  );
  assert.equal(reply.command, TcpCommand.NotAuthenticated);
  assert.equal(text(reply.payload), "Not Authenticated");
  assert.equal((await client.write("s", -1n)).result, OperationResult.Success);
});

Deno.test("Authenticate without credentials is refused; with them it sets the connection default", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using client = new WireClient(store.connectPipe());
  const none = await client.request(TcpCommand.Authenticate);
  assert.equal(none.command, TcpCommand.NotAuthenticated);
  assert.equal(text(none.payload), "No user credentials provided.");
  const bad = await client.request(TcpCommand.Authenticate, undefined, {
    credentials: { username: "admin", password: "nope" },
  });
  assert.equal(bad.command, TcpCommand.NotAuthenticated);
  // The failed default credentials now apply to packages without their own.
  const refused = await client.request(
    TcpCommand.WriteEvents,
    encodeMessage(WriteEventsSchema, {
      eventStreamId: "s",
      expectedVersion: -2n,
      events: [newEvent()],
    }),
  );
  assert.equal(refused.command, TcpCommand.NotAuthenticated);
  const good = await client.request(TcpCommand.Authenticate, undefined, { credentials: ADMIN });
  assert.equal(good.command, TcpCommand.Authenticated);
  // Now an anonymous-looking package runs as admin: writing a system stream works.
  assert.equal((await client.write("$system-thing", -2n)).result, OperationResult.Success);
});

Deno.test("users given in the options can authenticate; credentials never show in logs", async () => {
  const lines: string[] = [];
  await using store = await startMemoryStore({
    listen: false,
    users: [{ username: "alice", password: "s3cret-pw", groups: ["$admins"] }],
    log: (l) => lines.push(l),
  });
  await using client = new WireClient(store.connectPipe());
  const as = { credentials: { username: "alice", password: "s3cret-pw" } };
  assert.equal((await client.write("$sys", -2n, [{}], as)).result, OperationResult.Success);
  const wrong = await client.request(TcpCommand.Ping, undefined, {
    credentials: { username: "alice", password: "s3cret-px" },
  });
  assert.equal(wrong.command, TcpCommand.NotAuthenticated);
  assert.ok(lines.every((l) => !l.includes("s3cret")));
});

Deno.test("an insecure store accepts wrong credentials and denies nothing", async () => {
  await using store = await startMemoryStore({ listen: false, insecure: true });
  await using client = new WireClient(store.connectPipe());
  const reply = await client.call(
    TcpCommand.WriteEvents,
    WriteEventsSchema,
    { eventStreamId: "$system", expectedVersion: -2n, events: [newEvent()] },
    TcpCommand.WriteEventsCompleted,
    WriteEventsCompletedSchema,
    { credentials: { username: "who", password: "ever" } },
  );
  assert.equal(reply.result, OperationResult.Success);
  assert.equal((await client.write("$system", -2n)).result, OperationResult.Success);
});

Deno.test("ScavengeDatabase is Started for admins and ops, Unauthorized otherwise", async () => {
  await using store = await startMemoryStore({ listen: false, users: { bob: "pw" } });
  await using client = new WireClient(store.connectPipe());
  const scavenge = async (credentials?: { username: string; password: string }) => {
    const reply = await client.request(TcpCommand.ScavengeDatabase, undefined, { credentials });
    assert.equal(reply.command, TcpCommand.ScavengeDatabaseResponse);
    return decodeMessage(ScavengeDatabaseResponseSchema, reply.payload);
  };
  const admin = await scavenge(ADMIN);
  assert.equal(admin.result, ScavengeDatabaseResponse_ScavengeResult.Started);
  assert.match(admin.scavengeId, /^[0-9a-f-]{36}$/);
  const ops = await scavenge({ username: "ops", password: "changeit" });
  assert.equal(ops.result, ScavengeDatabaseResponse_ScavengeResult.Started);
  assert.equal(
    (await scavenge({ username: "bob", password: "pw" })).result,
    ScavengeDatabaseResponse_ScavengeResult.Unauthorized,
  );
  assert.equal((await scavenge()).result, ScavengeDatabaseResponse_ScavengeResult.Unauthorized);
});

// ---- back-pressure, docs/protocol.md §4.1 ---------------------------------------------------------------

Deno.test("a client that never reads is disconnected once its send queue passes the bound", async () => {
  const lines: string[] = [];
  await using store = await startMemoryStore({
    listen: false,
    sendQueue: { maxBytes: 64 * 1024, maxPackages: 1000 },
    log: (l) => lines.push(l),
  });
  await using writer = new WireClient(store.connectPipe());
  const sleeper = store.connectPipe();
  const sleeperWriter = sleeper.writable.getWriter();
  // Subscribe to the stream, then never read a byte again.
  await sleeperWriter.write(encodePackage({
    command: TcpCommand.SubscribeToStream,
    correlationId: crypto.randomUUID(),
    payload: encodeMessage(SubscribeToStreamSchema, { eventStreamId: "firehose" }),
  }));
  // Wait for the confirmation, then never read again.
  const sleeperReader = sleeper.readable.getReader();
  assert.equal((await sleeperReader.read()).done, false);
  sleeperReader.releaseLock();
  const big = "x".repeat(4000);
  let writes = 0;
  while (store.connectionCount > 1 && writes < 1000) {
    await writer.write("firehose", -2n, [{ data: JSON.stringify(big) }]);
    writes++;
  }
  assert.equal(store.connectionCount, 1, "the sleeping connection was closed");
  assert.ok(writes < 1000);
  assert.ok(lines.some((l) => l.includes("Connection pending send bytes is too large")));
  // The session is gone; drain the pipe so its buffered bytes are released.
  sleeperWriter.releaseLock();
  await sleeper.writable.abort().catch(() => {});
  const drain = sleeper.readable.getReader();
  while (!(await drain.read().catch(() => ({ done: true }))).done) {
    // discard
  }
});

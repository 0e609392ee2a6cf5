import assert from "node:assert/strict";
import type { MessageInitShape } from "@bufbuild/protobuf";
import {
  ConnectToPersistentSubscriptionSchema,
  CreatePersistentSubscriptionCompleted_CreatePersistentSubscriptionResult as CreateResult,
  CreatePersistentSubscriptionCompletedSchema,
  CreatePersistentSubscriptionSchema,
  DeletePersistentSubscriptionCompleted_DeletePersistentSubscriptionResult as DeleteResult,
  DeletePersistentSubscriptionCompletedSchema,
  DeletePersistentSubscriptionSchema,
  PersistentSubscriptionAckEventsSchema,
  PersistentSubscriptionConfirmationSchema,
  PersistentSubscriptionNakEvents_NakAction as NakAction,
  PersistentSubscriptionNakEventsSchema,
  PersistentSubscriptionStreamEventAppearedSchema,
  ReadStreamEventsCompleted_ReadStreamResult as ReadResult,
  ReadStreamEventsCompletedSchema,
  ReadStreamEventsSchema,
  SubscriptionDropped_SubscriptionDropReason as DropReason,
  SubscriptionDroppedSchema,
  UnsubscribeFromStreamSchema,
  UpdatePersistentSubscriptionCompleted_UpdatePersistentSubscriptionResult as UpdateResult,
  UpdatePersistentSubscriptionCompletedSchema,
  UpdatePersistentSubscriptionSchema,
} from "../../../gen/client_messages_pb.ts";
import { startMemoryStore } from "../../../lib/memstore/mod.ts";
import type { Credentials, Package } from "../../../lib/wire/package_codec.ts";
import { decodeMessage, encodeMessage } from "../../../lib/wire/proto_codec.ts";
import { TcpCommand } from "../../../lib/wire/tcp_command.ts";
import { ADMIN, WireClient } from "../support/wire_client.ts";
import { ManualClock } from "../../support/manual_clock.ts";

const OPS: Credentials = { username: "ops", password: "changeit" };
const text = new TextDecoder();

type GroupInit = Omit<MessageInitShape<typeof CreatePersistentSubscriptionSchema>, "$typeName">;

function groupInit(stream: string, group: string, overrides: Partial<GroupInit> = {}): GroupInit {
  return {
    subscriptionGroupName: group,
    eventStreamId: stream,
    resolveLinkTos: false,
    startFrom: 0n,
    messageTimeoutMilliseconds: 30_000,
    recordStatistics: false,
    liveBufferSize: 500,
    readBatchSize: 20,
    bufferSize: 500,
    maxRetryCount: 10,
    preferRoundRobin: true,
    checkpointAfterTime: 2000,
    checkpointMaxCount: 1000,
    checkpointMinCount: 10,
    subscriberMaxCount: 0,
    namedConsumerStrategy: "RoundRobin",
    ...overrides,
  };
}

function create(client: WireClient, init: GroupInit, credentials: Credentials | null = ADMIN) {
  return client.call(
    TcpCommand.CreatePersistentSubscription,
    CreatePersistentSubscriptionSchema,
    init,
    TcpCommand.CreatePersistentSubscriptionCompleted,
    CreatePersistentSubscriptionCompletedSchema,
    { credentials: credentials ?? undefined },
  );
}

function update(client: WireClient, init: GroupInit, credentials: Credentials | null = ADMIN) {
  return client.call(
    TcpCommand.UpdatePersistentSubscription,
    UpdatePersistentSubscriptionSchema,
    init,
    TcpCommand.UpdatePersistentSubscriptionCompleted,
    UpdatePersistentSubscriptionCompletedSchema,
    { credentials: credentials ?? undefined },
  );
}

function remove(client: WireClient, stream: string, group: string, credentials = ADMIN) {
  return client.call(
    TcpCommand.DeletePersistentSubscription,
    DeletePersistentSubscriptionSchema,
    { eventStreamId: stream, subscriptionGroupName: group },
    TcpCommand.DeletePersistentSubscriptionCompleted,
    DeletePersistentSubscriptionCompletedSchema,
    { credentials: credentials ?? undefined },
  );
}

async function connect(
  client: WireClient,
  stream: string,
  group: string,
  allowedInFlightMessages = 10,
  credentials: Credentials | null = ADMIN,
): Promise<{ id: string; first: Package }> {
  const id = await client.send(
    TcpCommand.ConnectToPersistentSubscription,
    encodeMessage(ConnectToPersistentSubscriptionSchema, {
      subscriptionId: group,
      eventStreamId: stream,
      allowedInFlightMessages,
    }),
    { credentials: credentials ?? undefined },
  );
  return { id, first: await client.replyTo(id) };
}

/** Everything the server sent before answering a Ping sent now. */
async function drain(client: WireClient): Promise<Package[]> {
  const ping = await client.send(TcpCommand.Ping);
  const got: Package[] = [];
  for (;;) {
    const pkg = await client.next();
    assert.ok(pkg, "connection ended");
    if (pkg.correlationId === ping && pkg.command === TcpCommand.Pong) return got;
    got.push(pkg);
  }
}

function appeared(pkg: Package) {
  assert.equal(pkg.command, TcpCommand.PersistentSubscriptionStreamEventAppeared);
  const m = decodeMessage(PersistentSubscriptionStreamEventAppearedSchema, pkg.payload);
  return { event: m.event!.event!, link: m.event!.link, retryCount: m.retryCount };
}

function droppedReason(pkg: Package): DropReason {
  assert.equal(pkg.command, TcpCommand.SubscriptionDropped);
  return decodeMessage(SubscriptionDroppedSchema, pkg.payload).reason;
}

async function ack(client: WireClient, id: string, subscriptionId: string, eventIds: Uint8Array[]) {
  await client.send(
    TcpCommand.PersistentSubscriptionAckEvents,
    encodeMessage(PersistentSubscriptionAckEventsSchema, {
      subscriptionId,
      processedEventIds: eventIds,
    }),
    { correlationId: id, credentials: ADMIN },
  );
}

async function nak(
  client: WireClient,
  id: string,
  subscriptionId: string,
  eventIds: Uint8Array[],
  action: NakAction,
) {
  await client.send(
    TcpCommand.PersistentSubscriptionNakEvents,
    encodeMessage(PersistentSubscriptionNakEventsSchema, {
      subscriptionId,
      processedEventIds: eventIds,
      action,
      message: "nope",
    }),
    { correlationId: id, credentials: ADMIN },
  );
}

function readStream(client: WireClient, stream: string) {
  return client.call(
    TcpCommand.ReadStreamEventsForward,
    ReadStreamEventsSchema,
    {
      eventStreamId: stream,
      fromEventNumber: 0n,
      maxCount: 100,
      resolveLinkTos: false,
      requireLeader: false,
    },
    TcpCommand.ReadStreamEventsForwardCompleted,
    ReadStreamEventsCompletedSchema,
    { credentials: ADMIN },
  );
}

Deno.test("create: AccessDenied unless $admins or $ops, then Success, then AlreadyExists", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using client = new WireClient(store.connectPipe());
  const denied = await create(client, groupInit("s", "g"), null);
  assert.equal(denied.result, CreateResult.AccessDenied);
  assert.equal((await create(client, groupInit("s", "g"), OPS)).result, CreateResult.Success);
  const again = await create(client, groupInit("s", "g"));
  assert.equal(again.result, CreateResult.AlreadyExists);
  assert.equal(again.reason, "Group 'g' already exists.");
  assert.equal((await create(client, groupInit("s2", "g"))).result, CreateResult.Success);
});

Deno.test("create: Fail with the server's reasons for bad requests", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using client = new WireClient(store.connectPipe());
  const cases: [GroupInit, string][] = [
    [groupInit("", "g"), "Bad stream name."],
    [
      groupInit("s", "g", { namedConsumerStrategy: "Random" }),
      "Consumer strategy Random does not exist.",
    ],
    [groupInit("s", "g", { startFrom: -2n }), "Invalid Start From position: -2"],
    [
      groupInit("$all", "g"),
      "Persistent subscriptions to $all are only supported over gRPC through gRPC clients",
    ],
  ];
  for (const [init, reason] of cases) {
    const reply = await create(client, init);
    assert.equal(reply.result, CreateResult.Fail);
    assert.equal(reply.reason, reason);
  }
});

Deno.test("create stores the definitions in $persistentSubscriptionConfig", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using client = new WireClient(store.connectPipe());
  await create(client, groupInit("s", "g", { namedConsumerStrategy: "", preferRoundRobin: false }));
  const read = await readStream(client, "$persistentSubscriptionConfig");
  assert.equal(read.result, ReadResult.Success);
  const last = read.events.at(-1)!.event!;
  assert.equal(last.eventType, "$PersistentConfig");
  const config = JSON.parse(text.decode(last.data));
  assert.equal(config.updatedBy, "admin");
  assert.deepEqual(
    config.entries.map((
      e: Record<string, unknown>,
    ) => [e.stream, e.group, e.namedConsumerStrategy]),
    [["s", "g", "DispatchToSingle"]],
  );
});

Deno.test("connect: NotFound, AccessDenied and SubscriberMaxCountReached drops", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using client = new WireClient(store.connectPipe());
  assert.equal(droppedReason((await connect(client, "s", "none")).first), DropReason.NotFound);
  await create(client, groupInit("$secret", "g"));
  const denied = await connect(client, "$secret", "g", 10, null);
  assert.equal(droppedReason(denied.first), DropReason.AccessDenied);
  await create(client, groupInit("s", "g", { subscriberMaxCount: 1 }));
  const first = await connect(client, "s", "g");
  assert.equal(first.first.command, TcpCommand.PersistentSubscriptionConfirmation);
  const second = await connect(client, "s", "g");
  assert.equal(droppedReason(second.first), DropReason.SubscriberMaxCountReached);
});

Deno.test("connect confirms with stream::group and the positions, then pushes events", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using client = new WireClient(store.connectPipe());
  await client.write("s", -2n, [{}, {}, {}]);
  const last = await client.write("other", -2n);
  await create(client, groupInit("s", "g"));
  const { id, first } = await connect(client, "s", "g");
  assert.equal(first.command, TcpCommand.PersistentSubscriptionConfirmation);
  const confirmation = decodeMessage(PersistentSubscriptionConfirmationSchema, first.payload);
  assert.equal(confirmation.subscriptionId, "s::g");
  assert.equal(confirmation.lastEventNumber, 2n);
  assert.ok(confirmation.lastCommitPosition >= last.commitPosition);
  const pushes = await drain(client);
  assert.deepEqual(pushes.map((p) => p.correlationId), [id, id, id]);
  assert.deepEqual(pushes.map((p) => appeared(p).event.eventNumber), [0n, 1n, 2n]);
  assert.deepEqual(pushes.map((p) => appeared(p).retryCount), [0, 0, 0]);
  await client.write("s", -2n);
  const live = await drain(client);
  assert.deepEqual(live.map((p) => appeared(p).event.eventNumber), [3n]);
});

Deno.test("allowed_in_flight_messages bounds pushes; an ack lets the next one through", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using client = new WireClient(store.connectPipe());
  await client.write("s", -2n, [{}, {}, {}]);
  await create(client, groupInit("s", "g"));
  const { id } = await connect(client, "s", "g", 2);
  const pushes = (await drain(client)).map(appeared);
  assert.deepEqual(pushes.map((p) => p.event.eventNumber), [0n, 1n]);
  await ack(client, id, "s::g", [pushes[0].event.eventId]);
  assert.deepEqual((await drain(client)).map((p) => appeared(p).event.eventNumber), [2n]);
});

Deno.test("nak Retry redelivers with retryCount 1; nak Park writes the parked stream", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using client = new WireClient(store.connectPipe());
  await client.write("s", -2n, [{}, {}]);
  await create(client, groupInit("s", "g"));
  const { id } = await connect(client, "s", "g");
  const [e0, e1] = (await drain(client)).map(appeared);
  await nak(client, id, "s::g", [e0.event.eventId], NakAction.Retry);
  const again = (await drain(client)).map(appeared);
  assert.deepEqual(again.map((p) => [p.event.eventNumber, p.retryCount]), [[0n, 1]]);
  await nak(client, id, "s::g", [e1.event.eventId], NakAction.Park);
  assert.deepEqual(await drain(client), []);
  const parked = await readStream(client, "$persistentsubscription-s::g-parked");
  assert.equal(parked.result, ReadResult.Success);
  assert.deepEqual(parked.events.map((e) => [e.event!.eventType, text.decode(e.event!.data)]), [
    ["$>", "1@s"],
  ]);
  const metadata = JSON.parse(text.decode(parked.events[0].event!.metadata));
  assert.equal(metadata.reason, "Client explicitly NAK'ed message.\nnope");
});

Deno.test("UnsubscribeFromStream with the connect correlation id drops with Unsubscribed", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using client = new WireClient(store.connectPipe());
  await create(client, groupInit("s", "g"));
  const { id } = await connect(client, "s", "g");
  await client.send(
    TcpCommand.UnsubscribeFromStream,
    encodeMessage(UnsubscribeFromStreamSchema, {}),
    { correlationId: id },
  );
  assert.equal(droppedReason(await client.replyTo(id)), DropReason.Unsubscribed);
  await client.write("s", -2n);
  assert.deepEqual(await drain(client), []);
});

Deno.test("update: DoesNotExist for a missing group; else clients are dropped with Unsubscribed", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using client = new WireClient(store.connectPipe());
  const missing = await update(client, groupInit("s", "g"));
  assert.equal(missing.result, UpdateResult.DoesNotExist);
  assert.equal(missing.reason, "Group 'g' does not exist.");
  await create(client, groupInit("s", "g"));
  const { id } = await connect(client, "s", "g");
  assert.equal(
    (await update(client, groupInit("s", "g"), null)).result,
    UpdateResult.AccessDenied,
  );
  assert.equal(
    (await update(client, groupInit("s", "g", { maxRetryCount: 1 }))).result,
    UpdateResult.Success,
  );
  assert.equal(droppedReason(await client.replyTo(id)), DropReason.Unsubscribed);
  const { first } = await connect(client, "s", "g");
  assert.equal(first.command, TcpCommand.PersistentSubscriptionConfirmation);
});

Deno.test("delete: drops clients, deletes the parked stream, then DoesNotExist", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using client = new WireClient(store.connectPipe());
  await client.write("s", -2n);
  await create(client, groupInit("s", "g"));
  const { id } = await connect(client, "s", "g");
  const [e0] = (await drain(client)).map(appeared);
  await nak(client, id, "s::g", [e0.event.eventId], NakAction.Park);
  assert.equal(
    (await readStream(client, "$persistentsubscription-s::g-parked")).result,
    ReadResult.Success,
  );
  assert.equal((await remove(client, "s", "g")).result, DeleteResult.Success);
  assert.equal(droppedReason(await client.replyTo(id)), DropReason.Unsubscribed);
  assert.equal(
    (await readStream(client, "$persistentsubscription-s::g-parked")).result,
    ReadResult.NoStream,
  );
  const again = await remove(client, "s", "g");
  assert.equal(again.result, DeleteResult.DoesNotExist);
  assert.equal(droppedReason((await connect(client, "s", "g")).first), DropReason.NotFound);
});

Deno.test("a closed connection's in-flight messages are redelivered to another connection", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using other = new WireClient(store.connectPipe());
  await other.write("s", -2n, [{}, {}]);
  await create(other, groupInit("s", "g"));
  {
    await using first = new WireClient(store.connectPipe());
    await connect(first, "s", "g");
    assert.equal((await drain(first)).length, 2);
  }
  await connect(other, "s", "g");
  const pushes = (await drain(other)).map(appeared);
  assert.deepEqual(pushes.map((p) => [p.event.eventNumber, p.retryCount]), [[0n, 1], [1n, 1]]);
});

Deno.test("a message timeout on the store's clock redelivers with retryCount 1, then parks", async () => {
  const clock = new ManualClock();
  await using store = await startMemoryStore({ listen: false, clock, heartbeat: false });
  await using client = new WireClient(store.connectPipe());
  await client.write("s", -2n);
  await create(client, groupInit("s", "g", { messageTimeoutMilliseconds: 1000, maxRetryCount: 1 }));
  await connect(client, "s", "g");
  assert.deepEqual((await drain(client)).map((p) => appeared(p).retryCount), [0]);
  clock.advance(1000);
  assert.deepEqual((await drain(client)).map((p) => appeared(p).retryCount), [1]);
  clock.advance(1000);
  assert.deepEqual(await drain(client), []);
  const parked = await readStream(client, "$persistentsubscription-s::g-parked");
  assert.deepEqual(parked.events.map((e) => text.decode(e.event!.data)), ["0@s"]);
});

Deno.test("acks lead to a SubscriptionCheckpoint in the checkpoint stream", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using client = new WireClient(store.connectPipe());
  await client.write("s", -2n, [{}, {}, {}]);
  await create(client, groupInit("s", "g", { checkpointMaxCount: 2 }));
  const { id } = await connect(client, "s", "g");
  const pushes = (await drain(client)).map(appeared);
  await ack(client, id, "s::g", pushes.map((p) => p.event.eventId));
  await drain(client);
  const checkpoint = await readStream(client, "$persistentsubscription-s::g-checkpoint");
  assert.deepEqual(
    checkpoint.events.map((e) => [e.event!.eventType, text.decode(e.event!.data)]),
    [["SubscriptionCheckpoint", "2"]],
  );
});

Deno.test("persistent subscriptions work over a loopback TCP port", async () => {
  await using store = await startMemoryStore({ port: 0 });
  const conn = await Deno.connect({ hostname: store.hostname, port: store.port });
  await using client = new WireClient({
    readable: conn.readable,
    writable: conn.writable,
    close: () => {
      try {
        conn.close();
      } catch { /* already closed through its streams */ }
    },
  });
  await create(client, groupInit("s", "g"));
  const { first } = await connect(client, "s", "g");
  assert.equal(first.command, TcpCommand.PersistentSubscriptionConfirmation);
  await client.write("s", -2n);
  assert.deepEqual((await drain(client)).map((p) => appeared(p).event.eventNumber), [0n]);
});

Deno.test("resolveLinkTos pushes {event: target, link}; acking the link's id frees the slot", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using client = new WireClient(store.connectPipe());
  await client.write("target", -2n, [{ data: '{"n":0}' }, { data: '{"n":1}' }]);
  await client.write("s", -2n, [
    { eventType: "$>", data: "0@target", isJson: false },
    { eventType: "$>", data: "1@target", isJson: false },
  ]);
  await create(client, groupInit("s", "g", { resolveLinkTos: true }));
  const { id } = await connect(client, "s", "g", 1);
  const [first] = (await drain(client)).map(appeared);
  assert.equal(first.event.eventStreamId, "target");
  assert.equal(text.decode(first.event.data), '{"n":0}');
  assert.equal(first.link?.eventStreamId, "s");
  await ack(client, id, "s::g", [first.event.eventId]);
  assert.deepEqual(await drain(client), [], "the target's id is not the message id");
  await ack(client, id, "s::g", [first.link!.eventId]);
  const [second] = (await drain(client)).map(appeared);
  assert.equal(text.decode(second.event.data), '{"n":1}');
});

import assert from "node:assert/strict";
import {
  CheckpointReachedSchema,
  DeleteStreamCompletedSchema,
  DeleteStreamSchema,
  Filter_FilterContext,
  Filter_FilterType,
  FilteredSubscribeToStreamSchema,
  StreamEventAppearedSchema,
  SubscribeToStreamSchema,
  SubscriptionConfirmationSchema,
  SubscriptionDropped_SubscriptionDropReason,
  SubscriptionDroppedSchema,
} from "../../gen/client_messages_pb.ts";
import { startMemoryStore } from "../../lib/memstore/mod.ts";
import type { Package } from "../../lib/wire/package_codec.ts";
import { decodeMessage, encodeMessage } from "../../lib/wire/proto_codec.ts";
import { TcpCommand } from "../../lib/wire/tcp_command.ts";
import { ADMIN, WireClient } from "./support/wire_client.ts";

function appeared(pkg: Package | null) {
  assert.equal(pkg?.command, TcpCommand.StreamEventAppeared);
  return decodeMessage(StreamEventAppearedSchema, pkg!.payload).event!;
}

Deno.test("a stream subscription is confirmed with the current positions and gets only later events", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using writer = new WireClient(store.connectPipe());
  await using sub = new WireClient(store.connectPipe());
  const before = await writer.write("s", -2n, [{}, {}]);
  const id = await sub.send(
    TcpCommand.SubscribeToStream,
    encodeMessage(SubscribeToStreamSchema, { eventStreamId: "s", resolveLinkTos: false }),
  );
  const confirmation = await sub.replyTo(id);
  assert.equal(confirmation.command, TcpCommand.SubscriptionConfirmation);
  const confirmed = decodeMessage(SubscriptionConfirmationSchema, confirmation.payload);
  assert.equal(confirmed.lastEventNumber, 1n);
  assert.equal(confirmed.lastCommitPosition, before.commitPosition);
  await writer.write("other", -2n);
  const after = await writer.write("s", 1n, [{ eventType: "Later" }]);
  const pushed = await sub.next();
  assert.equal(pushed?.correlationId, id);
  const event = appeared(pushed);
  assert.equal(event.event?.eventType, "Later");
  assert.equal(event.event?.eventNumber, 2n);
  assert.equal(event.commitPosition, after.commitPosition);
  assert.equal(event.preparePosition, after.preparePosition);
});

Deno.test("an $all subscription needs read access to $all and gets every stream's events", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using writer = new WireClient(store.connectPipe());
  await using sub = new WireClient(store.connectPipe());
  const denied = await sub.request(
    TcpCommand.SubscribeToStream,
    encodeMessage(SubscribeToStreamSchema, { eventStreamId: "" }),
  );
  assert.equal(denied.command, TcpCommand.SubscriptionDropped);
  assert.equal(
    decodeMessage(SubscriptionDroppedSchema, denied.payload).reason,
    SubscriptionDropped_SubscriptionDropReason.AccessDenied,
  );
  const confirmation = await sub.request(
    TcpCommand.SubscribeToStream,
    encodeMessage(SubscribeToStreamSchema, { eventStreamId: "" }),
    { credentials: ADMIN },
  );
  assert.equal(confirmation.command, TcpCommand.SubscriptionConfirmation);
  await writer.write("a", -2n);
  await writer.write("b", -2n);
  assert.equal(appeared(await sub.next()).event?.eventStreamId, "a");
  assert.equal(appeared(await sub.next()).event?.eventStreamId, "b");
});

Deno.test("Unsubscribe gets SubscriptionDropped(Unsubscribed) and stops the pushes", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using writer = new WireClient(store.connectPipe());
  await using sub = new WireClient(store.connectPipe());
  const id = await sub.send(
    TcpCommand.SubscribeToStream,
    encodeMessage(SubscribeToStreamSchema, { eventStreamId: "s" }),
  );
  await sub.replyTo(id);
  await sub.send(TcpCommand.UnsubscribeFromStream, new Uint8Array(0), { correlationId: id });
  const dropped = await sub.replyTo(id);
  assert.equal(dropped.command, TcpCommand.SubscriptionDropped);
  assert.equal(
    decodeMessage(SubscriptionDroppedSchema, dropped.payload).reason,
    SubscriptionDropped_SubscriptionDropReason.Unsubscribed,
  );
  await writer.write("s", -2n);
  // The next package on the connection answers our ping: no push came in between.
  const ping = await sub.send(TcpCommand.Ping);
  assert.equal((await sub.next())?.correlationId, ping);
});

Deno.test("subscriptions end silently when their connection closes", async () => {
  // The server notices the client's close on its own schedule: wait for its log line, not a ping.
  const { promise: subClosed, resolve } = Promise.withResolvers<void>();
  await using store = await startMemoryStore({
    listen: false,
    log: (line) => {
      if (/^Connection #\d+ closed: /.test(line)) resolve();
    },
  });
  await using writer = new WireClient(store.connectPipe());
  const sub = new WireClient(store.connectPipe());
  await sub.request(
    TcpCommand.SubscribeToStream,
    encodeMessage(SubscribeToStreamSchema, { eventStreamId: "s" }),
  );
  await sub.close();
  await subClosed;
  assert.equal(store.connectionCount, 1);
  assert.equal((await writer.write("s", -2n)).firstEventNumber, 0n);
});

Deno.test("a subscription with resolveLinkTos pushes the link target with the link", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using writer = new WireClient(store.connectPipe());
  await using sub = new WireClient(store.connectPipe());
  await writer.write("target", -2n, [{ eventType: "Original" }]);
  await sub.request(
    TcpCommand.SubscribeToStream,
    encodeMessage(SubscribeToStreamSchema, { eventStreamId: "links", resolveLinkTos: true }),
  );
  await writer.write("links", -2n, [{ eventType: "$>", data: "0@target", isJson: false }]);
  const event = appeared(await sub.next());
  assert.equal(event.event?.eventType, "Original");
  assert.equal(event.link?.eventType, "$>");
  assert.equal(event.commitPosition > 0n, true);
});

Deno.test("a filtered subscription pushes matching events and a checkpoint every N considered events", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using writer = new WireClient(store.connectPipe());
  await using sub = new WireClient(store.connectPipe());
  const id = await sub.send(
    TcpCommand.FilteredSubscribeToStream,
    encodeMessage(FilteredSubscribeToStreamSchema, {
      eventStreamId: "",
      filter: {
        context: Filter_FilterContext.EventType,
        type: Filter_FilterType.Prefix,
        data: ["Wanted"],
      },
      checkpointInterval: 3,
    }),
    { credentials: ADMIN },
  );
  assert.equal((await sub.replyTo(id)).command, TcpCommand.SubscriptionConfirmation);
  await writer.write("a", -2n, [{ eventType: "Noise" }]);
  await writer.write("a", -2n, [{ eventType: "WantedOne" }]);
  const third = await writer.write("b", -2n, [{ eventType: "Noise" }]);
  assert.equal(appeared(await sub.next()).event?.eventType, "WantedOne");
  const checkpoint = await sub.next();
  assert.equal(checkpoint?.command, TcpCommand.CheckpointReached);
  const position = decodeMessage(CheckpointReachedSchema, checkpoint!.payload);
  assert.equal(position.commitPosition, third.commitPosition);
});

Deno.test("a hard delete pushes the tombstone to subscribers of the stream", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using writer = new WireClient(store.connectPipe());
  await using sub = new WireClient(store.connectPipe());
  await writer.write("s", -2n);
  await sub.request(
    TcpCommand.SubscribeToStream,
    encodeMessage(SubscribeToStreamSchema, { eventStreamId: "s" }),
  );
  await writer.call(
    TcpCommand.DeleteStream,
    DeleteStreamSchema,
    { eventStreamId: "s", expectedVersion: -2n, hardDelete: true },
    TcpCommand.DeleteStreamCompleted,
    DeleteStreamCompletedSchema,
  );
  const event = appeared(await sub.next());
  assert.equal(event.event?.eventType, "$streamDeleted");
  assert.equal(event.event?.eventNumber, 9223372036854775807n);
});

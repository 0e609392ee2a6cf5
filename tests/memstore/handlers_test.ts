import assert from "node:assert/strict";
import {
  DeleteStreamCompletedSchema,
  DeleteStreamSchema,
  Filter_FilterContext,
  Filter_FilterType,
  FilteredReadAllEventsCompletedSchema,
  FilteredReadAllEventsSchema,
  OperationResult,
  ReadAllEventsCompleted_ReadAllResult,
  ReadAllEventsCompletedSchema,
  ReadAllEventsSchema,
  ReadEventCompleted_ReadEventResult,
  ReadEventCompletedSchema,
  ReadEventSchema,
  ReadStreamEventsCompleted_ReadStreamResult,
  ReadStreamEventsCompletedSchema,
  ReadStreamEventsSchema,
  TransactionCommitCompletedSchema,
  TransactionCommitSchema,
  TransactionStartCompletedSchema,
  TransactionStartSchema,
  TransactionWriteCompletedSchema,
  TransactionWriteSchema,
} from "../../gen/client_messages_pb.ts";
import { startMemoryStore } from "../../lib/memstore/mod.ts";
import type { Credentials } from "../../lib/wire/package_codec.ts";
import { encodeMessage } from "../../lib/wire/proto_codec.ts";
import { TcpCommand } from "../../lib/wire/tcp_command.ts";
import { ADMIN, newEvent, WireClient } from "./support/wire_client.ts";

const INT_MIN = -2147483648n;
const LONG_MAX = 9223372036854775807n;

function readStream(
  client: WireClient,
  stream: string,
  from: bigint,
  maxCount: number,
  options: { forward?: boolean; resolve?: boolean; credentials?: Credentials } = {},
) {
  const forward = options.forward ?? true;
  return client.call(
    forward ? TcpCommand.ReadStreamEventsForward : TcpCommand.ReadStreamEventsBackward,
    ReadStreamEventsSchema,
    {
      eventStreamId: stream,
      fromEventNumber: from,
      maxCount,
      resolveLinkTos: options.resolve ?? false,
    },
    forward
      ? TcpCommand.ReadStreamEventsForwardCompleted
      : TcpCommand.ReadStreamEventsBackwardCompleted,
    ReadStreamEventsCompletedSchema,
    { credentials: options.credentials },
  );
}

function readEvent(client: WireClient, stream: string, number: bigint, credentials?: Credentials) {
  return client.call(
    TcpCommand.ReadEvent,
    ReadEventSchema,
    { eventStreamId: stream, eventNumber: number, resolveLinkTos: true },
    TcpCommand.ReadEventCompleted,
    ReadEventCompletedSchema,
    { credentials },
  );
}

function deleteStream(client: WireClient, stream: string, expectedVersion: bigint, hard: boolean) {
  return client.call(
    TcpCommand.DeleteStream,
    DeleteStreamSchema,
    { eventStreamId: stream, expectedVersion, hardDelete: hard },
    TcpCommand.DeleteStreamCompleted,
    DeleteStreamCompletedSchema,
  );
}

// ---- WriteEventsCompleted fields, docs/protocol.md §4.5 ---------------------------------------------

Deno.test("WriteEventsCompleted success carries the numbers and the last event's position", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using client = new WireClient(store.connectPipe());
  const first = await client.write("s", -1n, [{}, {}]);
  assert.equal(first.result, OperationResult.Success);
  assert.equal(first.message, "");
  assert.deepEqual([first.firstEventNumber, first.lastEventNumber], [0n, 1n]);
  assert.equal(first.preparePosition, first.commitPosition);
  const second = await client.write("s", 1n);
  assert.ok(second.commitPosition > first.commitPosition);
});

Deno.test("WriteEventsCompleted WrongExpectedVersion has int.MinValue numbers and current_version", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using client = new WireClient(store.connectPipe());
  await client.write("s", -2n, [{}, {}, {}]);
  const failed = await client.write("s", 7n);
  assert.equal(failed.result, OperationResult.WrongExpectedVersion);
  assert.equal(failed.message, "Wrong expected version.");
  assert.equal(failed.firstEventNumber, INT_MIN);
  assert.equal(failed.lastEventNumber, INT_MIN);
  assert.equal(failed.preparePosition, INT_MIN);
  assert.equal(failed.currentVersion, 2n);
});

Deno.test("WriteEventsCompleted StreamDeleted after a hard delete", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using client = new WireClient(store.connectPipe());
  await client.write("s", -2n);
  const deleted = await deleteStream(client, "s", 0n, true);
  assert.equal(deleted.result, OperationResult.Success);
  assert.equal(deleted.preparePosition, deleted.commitPosition);
  const failed = await client.write("s", -2n);
  assert.equal(failed.result, OperationResult.StreamDeleted);
  assert.equal(failed.message, "Stream is deleted.");
  assert.equal(failed.firstEventNumber, INT_MIN);
  const read = await readStream(client, "s", 0n, 10);
  assert.equal(read.result, ReadStreamEventsCompleted_ReadStreamResult.StreamDeleted);
  assert.equal(read.lastEventNumber, LONG_MAX);
  assert.equal(read.nextEventNumber, -1n);
  assert.equal(read.isEndOfStream, true);
});

Deno.test("DeleteStreamCompleted reports WrongExpectedVersion with current_version", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using client = new WireClient(store.connectPipe());
  await client.write("s", -2n, [{}, {}]);
  const failed = await deleteStream(client, "s", 5n, false);
  assert.equal(failed.result, OperationResult.WrongExpectedVersion);
  assert.equal(failed.currentVersion, 1n);
  assert.equal(failed.commitPosition, -1n);
  const soft = await deleteStream(client, "s", 1n, false);
  assert.equal(soft.result, OperationResult.Success);
  assert.equal(soft.currentVersion, 0n, "the $$s event number");
});

// ---- reads through the wire ----------------------------------------------------------------------

Deno.test("ReadStreamEventsCompleted carries the spliced events and the §4.8 fields", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using client = new WireClient(store.connectPipe());
  const eventId = crypto.randomUUID();
  await client.write("s", -2n, [{ eventId, eventType: "First", data: '{"a":1}' }, {}, {}]);
  const read = await readStream(client, "s", 0n, 2);
  assert.equal(read.result, ReadStreamEventsCompleted_ReadStreamResult.Success);
  assert.equal(read.events.length, 2);
  const first = read.events[0].event!;
  assert.equal(first.eventStreamId, "s");
  assert.equal(first.eventNumber, 0n);
  assert.equal(first.eventType, "First");
  assert.equal(first.dataContentType, 1);
  assert.equal(first.metadataContentType, 1);
  assert.equal(new TextDecoder().decode(first.data), '{"a":1}');
  assert.ok(first.createdEpoch > 0n);
  assert.equal(first.created, first.createdEpoch * 10000n + 621355968000000000n);
  assert.deepEqual([read.nextEventNumber, read.lastEventNumber, read.isEndOfStream], [
    2n,
    2n,
    false,
  ]);
  assert.ok(read.lastCommitPosition > 0n);
  const backward = await readStream(client, "s", -1n, 10, { forward: false });
  assert.deepEqual(backward.events.map((e) => e.event!.eventNumber), [2n, 1n, 0n]);
});

Deno.test("a read of a missing stream is NoStream with next -1, last -1, end of stream", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using client = new WireClient(store.connectPipe());
  const read = await readStream(client, "missing", 0n, 10);
  assert.equal(read.result, ReadStreamEventsCompleted_ReadStreamResult.NoStream);
  assert.deepEqual([read.nextEventNumber, read.lastEventNumber, read.isEndOfStream], [
    -1n,
    -1n,
    true,
  ]);
});

Deno.test("max_count above 4096 is an Error result with a message", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using client = new WireClient(store.connectPipe());
  await client.write("s", -2n);
  const read = await readStream(client, "s", 0n, 5000);
  assert.equal(read.result, ReadStreamEventsCompleted_ReadStreamResult.Error);
  assert.match(read.error, /Read size too big/);
});

Deno.test("a soft-deleted stream reads as NoStream with the old last number over the wire", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using client = new WireClient(store.connectPipe());
  await client.write("s", -2n, [{}, {}]);
  await deleteStream(client, "s", -2n, false);
  const read = await readStream(client, "s", 0n, 10);
  assert.equal(read.result, ReadStreamEventsCompleted_ReadStreamResult.NoStream);
  assert.equal(read.lastEventNumber, 1n);
  const recreated = await client.write("s", -2n, [{}]);
  assert.equal(recreated.firstEventNumber, 2n);
});

Deno.test("ReadEvent returns the event, resolves links, and an empty event for failures", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using client = new WireClient(store.connectPipe());
  await client.write("target", -2n, [{ eventType: "Original" }]);
  await client.write("links", -2n, [{ eventType: "$>", data: "0@target", isJson: false }]);
  const found = await readEvent(client, "links", 0n);
  assert.equal(found.result, ReadEventCompleted_ReadEventResult.Success);
  assert.equal(found.event?.event?.eventType, "Original");
  assert.equal(found.event?.link?.eventType, "$>");
  const missing = await readEvent(client, "links", 5n);
  assert.equal(missing.result, ReadEventCompleted_ReadEventResult.NotFound);
  assert.ok(missing.event !== undefined && missing.event.event === undefined);
  assert.equal(
    (await readEvent(client, "nope", -1n)).result,
    ReadEventCompleted_ReadEventResult.NoStream,
  );
  const quirk = await readEvent(client, "$$target", -1n);
  assert.equal(quirk.result, ReadEventCompleted_ReadEventResult.Success);
  assert.equal(quirk.event?.event, undefined);
});

Deno.test("a stream read with resolveLinkTos returns link-only entries for unresolvable links", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using client = new WireClient(store.connectPipe());
  await client.write("links", -2n, [{ eventType: "$>", data: "3@gone", isJson: false }]);
  const read = await readStream(client, "links", 0n, 10, { resolve: true });
  assert.equal(read.events.length, 1);
  assert.equal(read.events[0].event, undefined);
  assert.equal(read.events[0].link?.eventType, "$>");
});

// ---- $all over the wire -----------------------------------------------------------------------

Deno.test("ReadAllEvents needs admin by default and echoes the substituted position", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using client = new WireClient(store.connectPipe());
  const w = await client.write("a", -2n, [{}, {}]);
  const read = (credentials?: Credentials) =>
    client.call(
      TcpCommand.ReadAllEventsBackward,
      ReadAllEventsSchema,
      { commitPosition: -1n, preparePosition: -1n, maxCount: 10 },
      TcpCommand.ReadAllEventsBackwardCompleted,
      ReadAllEventsCompletedSchema,
      { credentials },
    );
  assert.equal((await read()).result, ReadAllEventsCompleted_ReadAllResult.AccessDenied);
  const page = await read(ADMIN);
  assert.equal(page.result, ReadAllEventsCompleted_ReadAllResult.Success);
  assert.ok(page.commitPosition > w.commitPosition, "(-1,-1) became the writer checkpoint");
  assert.equal(page.commitPosition, page.preparePosition);
  assert.deepEqual(page.events.map((e) => e.event!.eventNumber), [1n, 0n]);
  assert.equal(page.events[0].commitPosition, w.commitPosition);
  assert.equal(page.nextCommitPosition, page.events[1].commitPosition);
});

Deno.test("$$$all metadata (the metastream of $all) can open $all reads to everybody", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using client = new WireClient(store.connectPipe());
  const opened = await client.write("$$$all", -2n, [{
    eventType: "$metadata",
    data: '{"$acl":{"$r":"$all"}}',
  }], {
    credentials: ADMIN,
  });
  assert.equal(opened.result, OperationResult.Success);
  const page = await client.call(
    TcpCommand.ReadAllEventsForward,
    ReadAllEventsSchema,
    { commitPosition: 0n, preparePosition: 0n, maxCount: 10 },
    TcpCommand.ReadAllEventsForwardCompleted,
    ReadAllEventsCompletedSchema,
  );
  assert.equal(page.result, ReadAllEventsCompleted_ReadAllResult.Success);
  assert.equal(page.events.length, 1);
});

Deno.test("FilteredReadAllEvents by stream prefix and by event-type regex", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using client = new WireClient(store.connectPipe());
  await client.write("orders-1", -2n, [{ eventType: "Placed" }]);
  await client.write("users-1", -2n, [{ eventType: "Registered" }]);
  await client.write("orders-2", -2n, [{ eventType: "Shipped" }]);
  const filtered = (context: Filter_FilterContext, type: Filter_FilterType, data: string[]) =>
    client.call(
      TcpCommand.FilteredReadAllEventsForward,
      FilteredReadAllEventsSchema,
      {
        commitPosition: 0n,
        preparePosition: 0n,
        maxCount: 10,
        maxSearchWindow: 10,
        filter: { context, type, data },
      },
      TcpCommand.FilteredReadAllEventsForwardCompleted,
      FilteredReadAllEventsCompletedSchema,
      { credentials: ADMIN },
    );
  const byPrefix = await filtered(Filter_FilterContext.StreamId, Filter_FilterType.Prefix, [
    "orders-",
  ]);
  assert.deepEqual(byPrefix.events.map((e) => e.event!.eventStreamId), ["orders-1", "orders-2"]);
  assert.equal(byPrefix.isEndOfStream, true);
  const byRegex = await filtered(Filter_FilterContext.EventType, Filter_FilterType.Regex, [
    "^(Reg|Ship)",
  ]);
  assert.deepEqual(byRegex.events.map((e) => e.event!.eventType), ["Registered", "Shipped"]);
  const bad = await client.request(
    TcpCommand.FilteredReadAllEventsForward,
    encodeMessage(FilteredReadAllEventsSchema, {
      maxCount: 10,
      filter: {
        context: Filter_FilterContext.EventType,
        type: Filter_FilterType.Regex,
        data: ["("],
      },
    }),
    { credentials: ADMIN },
  );
  assert.equal(bad.command, TcpCommand.BadRequest);
});

// ---- ACLs, docs/protocol.md §4.4 --------------------------------------------------------------------

Deno.test("system streams are admin-only by default; user streams are open to anonymous users", async () => {
  await using store = await startMemoryStore({ listen: false, users: { bob: "pw" } });
  await using client = new WireClient(store.connectPipe());
  const bob = { username: "bob", password: "pw" };
  assert.equal((await client.write("$sys", -2n)).result, OperationResult.AccessDenied);
  const denied = await client.write("$sys", -2n, [{}], { credentials: bob });
  assert.equal(denied.result, OperationResult.AccessDenied);
  assert.equal(denied.message, "Access denied.");
  assert.equal(
    (await client.write("$sys", -2n, [{}], { credentials: ADMIN })).result,
    OperationResult.Success,
  );
  const read = await readStream(client, "$sys", 0n, 10, { credentials: bob });
  assert.equal(read.result, ReadStreamEventsCompleted_ReadStreamResult.AccessDenied);
  assert.equal((await client.write("open", -2n)).result, OperationResult.Success);
});

Deno.test("a stream $acl limits reads and writes to the listed users and roles", async () => {
  await using store = await startMemoryStore({
    listen: false,
    users: [{ username: "bob", password: "pw" }, {
      username: "carol",
      password: "pw",
      groups: ["readers"],
    }],
  });
  await using client = new WireClient(store.connectPipe());
  const bob = { username: "bob", password: "pw" };
  const carol = { username: "carol", password: "pw" };
  await client.write("$$secret", -2n, [{
    eventType: "$metadata",
    data: JSON.stringify({ $acl: { $r: ["readers", "bob"], $w: "bob" } }),
  }]);
  assert.equal(
    (await client.write("secret", -2n, [{}], { credentials: bob })).result,
    OperationResult.Success,
  );
  assert.equal(
    (await client.write("secret", -2n, [{}], { credentials: carol })).result,
    OperationResult.AccessDenied,
  );
  assert.equal((await client.write("secret", -2n)).result, OperationResult.AccessDenied);
  assert.equal(
    (await readStream(client, "secret", 0n, 10, { credentials: carol })).result,
    ReadStreamEventsCompleted_ReadStreamResult.Success,
  );
  assert.equal(
    (await readEvent(client, "secret", 0n)).result,
    ReadEventCompleted_ReadEventResult.AccessDenied,
  );
  assert.equal(
    (await readStream(client, "secret", 0n, 10, { credentials: ADMIN })).result,
    ReadStreamEventsCompleted_ReadStreamResult.Success,
    "$admins pass every stream ACL",
  );
});

Deno.test("$settings replaces the default user-stream ACL", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using client = new WireClient(store.connectPipe());
  const settings = await client.write("$settings", -2n, [{
    eventType: "$settings",
    data: JSON.stringify({ $userStreamAcl: { $w: "$admins" } }),
  }], { credentials: ADMIN });
  assert.equal(settings.result, OperationResult.Success);
  assert.equal((await client.write("s", -2n)).result, OperationResult.AccessDenied);
  assert.equal(
    (await client.write("s", -2n, [{}], { credentials: ADMIN })).result,
    OperationResult.Success,
  );
  assert.equal(
    (await readStream(client, "s", 0n, 10)).result,
    ReadStreamEventsCompleted_ReadStreamResult.Success,
    "keys not in $settings keep their defaults",
  );
});

Deno.test("metastream rules: $mw guards $$s writes, and $$s cannot be deleted even by admins", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using client = new WireClient(store.connectPipe());
  await client.write("$$s", -2n, [{
    eventType: "$metadata",
    data: JSON.stringify({ $acl: { $mw: "$admins", $mr: "$admins" } }),
  }]);
  assert.equal(
    (await client.write("$$s", -2n, [{ eventType: "$metadata" }])).result,
    OperationResult.AccessDenied,
  );
  assert.equal(
    (await readStream(client, "$$s", 0n, 10)).result,
    ReadStreamEventsCompleted_ReadStreamResult.AccessDenied,
  );
  const del = await client.call(
    TcpCommand.DeleteStream,
    DeleteStreamSchema,
    { eventStreamId: "$$s", expectedVersion: -2n },
    TcpCommand.DeleteStreamCompleted,
    DeleteStreamCompletedSchema,
    { credentials: ADMIN },
  );
  assert.equal(del.result, OperationResult.AccessDenied);
});

// ---- transactions over the wire ---------------------------------------------------------------

Deno.test("TransactionStart/Write/Commit make the events visible only at commit", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using client = new WireClient(store.connectPipe());
  const start = await client.call(
    TcpCommand.TransactionStart,
    TransactionStartSchema,
    { eventStreamId: "t", expectedVersion: -1n },
    TcpCommand.TransactionStartCompleted,
    TransactionStartCompletedSchema,
  );
  assert.equal(start.result, OperationResult.Success);
  const write = await client.call(
    TcpCommand.TransactionWrite,
    TransactionWriteSchema,
    { transactionId: start.transactionId, events: [newEvent(), newEvent()] },
    TcpCommand.TransactionWriteCompleted,
    TransactionWriteCompletedSchema,
  );
  assert.equal(write.result, OperationResult.Success);
  assert.equal(write.transactionId, start.transactionId);
  assert.equal(
    (await readStream(client, "t", 0n, 10)).result,
    ReadStreamEventsCompleted_ReadStreamResult.NoStream,
  );
  const commit = await client.call(
    TcpCommand.TransactionCommit,
    TransactionCommitSchema,
    { transactionId: start.transactionId },
    TcpCommand.TransactionCommitCompleted,
    TransactionCommitCompletedSchema,
  );
  assert.equal(commit.result, OperationResult.Success);
  assert.deepEqual([commit.firstEventNumber, commit.lastEventNumber], [0n, 1n]);
  assert.equal((await readStream(client, "t", 0n, 10)).events.length, 2);
  const unknown = await client.call(
    TcpCommand.TransactionCommit,
    TransactionCommitSchema,
    { transactionId: start.transactionId },
    TcpCommand.TransactionCommitCompleted,
    TransactionCommitCompletedSchema,
  );
  assert.equal(unknown.result, OperationResult.InvalidTransaction);
});

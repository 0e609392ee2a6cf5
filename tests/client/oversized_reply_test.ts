import assert from "node:assert/strict";
import {
  ReadAllEventsCompleted_ReadAllResult,
  ReadAllEventsCompletedSchema,
  ReadAllEventsSchema,
  ReadStreamEventsCompleted_ReadStreamResult,
  ReadStreamEventsCompletedSchema,
  ReadStreamEventsSchema,
} from "../../gen/client_messages_pb.ts";
import { FrameTooLargeError, ProtocolError } from "../../lib/errors.ts";
import { guidToBytes, writeGuid } from "../../lib/wire/guid.ts";
import { DEFAULT_MAX_PACKAGE_SIZE, type Package } from "../../lib/wire/package_codec.ts";
import { decodeMessage, encodeMessage } from "../../lib/wire/proto_codec.ts";
import { TcpCommand } from "../../lib/wire/tcp_command.ts";
import { connectFake, type FakePeer } from "./support/fake_peer.ts";

const admin = { username: "admin", password: "changeit" };
const OVERSIZED = DEFAULT_MAX_PACKAGE_SIZE + 1000;

/** The promise's rejection reason, captured at once (so no rejection goes unhandled meanwhile). */
function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(() => assert.fail("expected a rejection"), (error: unknown) => error);
}

/** Sends a reply whose length prefix is over the maximum, body included, as the real server does. */
async function sendOversized(peer: FakePeer, request: Package, command: number): Promise<void> {
  const head = new Uint8Array(4 + 18);
  new DataView(head.buffer).setInt32(0, OVERSIZED, true);
  head[4] = command;
  writeGuid(request.correlationId, head, 6);
  await peer.sendBytes(head);
  const zeros = new Uint8Array(1 << 20);
  for (let left = OVERSIZED - 18; left > 0; left -= zeros.length) {
    await peer.sendBytes(zeros.subarray(0, Math.min(left, zeros.length)));
  }
}

function recorded(stream: string, n: number) {
  return {
    eventStreamId: stream,
    eventNumber: BigInt(n),
    eventId: guidToBytes(crypto.randomUUID()),
    eventType: "t",
    dataContentType: 1,
    data: new TextEncoder().encode(`{"n":${n}}`),
  };
}

function streamPage(stream: string, from: number, count: number, last: number): Uint8Array {
  const next = from + count;
  return encodeMessage(ReadStreamEventsCompletedSchema, {
    events: Array.from({ length: count }, (_, i) => ({ event: recorded(stream, from + i) })),
    result: ReadStreamEventsCompleted_ReadStreamResult.Success,
    nextEventNumber: BigInt(next),
    lastEventNumber: BigInt(last),
    isEndOfStream: next > last,
  });
}

function allPage(from: number, count: number, end: boolean): Uint8Array {
  const next = BigInt(from + count);
  return encodeMessage(ReadAllEventsCompletedSchema, {
    commitPosition: BigInt(from),
    preparePosition: BigInt(from),
    events: Array.from({ length: count }, (_, i) => ({
      event: recorded("s", from + i),
      commitPosition: BigInt(from + i),
      preparePosition: BigInt(from + i),
    })),
    nextCommitPosition: end ? BigInt(from) : next,
    nextPreparePosition: end ? BigInt(from) : next,
    result: ReadAllEventsCompleted_ReadAllResult.Success,
  });
}

Deno.test("a reply over the maximum package size fails only that read, with FrameTooLargeError, and the connection stays", async () => {
  const { client, peer } = await connectFake();
  await using _ = client;
  const read = failure(client.get("big"));
  const request = await peer.receive();
  assert.equal(request.command, TcpCommand.ReadStreamEventsForward);
  await sendOversized(peer, request, TcpCommand.ReadStreamEventsForwardCompleted);
  const e = await read;
  assert.ok(e instanceof FrameTooLargeError, String(e));
  assert.equal(e.operation, "ReadStreamEventsForward");
  assert.equal(e.command, TcpCommand.ReadStreamEventsForwardCompleted);
  assert.equal(e.correlationId, request.correlationId);
  assert.equal(e.size, OVERSIZED);
  assert.match(e.message, /ReadStreamEventsForwardCompleted/);
  assert.match(e.message, new RegExp(request.correlationId));
  // Same connection: the next package the peer sees is the next read, not a new handshake.
  const next = client.get("small");
  const again = await peer.receive();
  assert.equal(again.command, TcpCommand.ReadStreamEventsForward);
  await peer.reply(
    again,
    TcpCommand.ReadStreamEventsForwardCompleted,
    streamPage("small", 0, 1, 0),
  );
  assert.equal((await next).length, 1);
  assert.equal(client.state.status, "connected");
  peer.close();
});

Deno.test("iter() retries a page that came back too large with a smaller page and goes on", async () => {
  const { client, peer } = await connectFake();
  await using _ = client;
  const events = Array.fromAsync(client.iter("s", { batchSize: 100 }));
  const first = await peer.receive();
  const asked = decodeMessage(ReadStreamEventsSchema, first.payload);
  assert.equal(asked.maxCount, 100);
  await sendOversized(peer, first, TcpCommand.ReadStreamEventsForwardCompleted);
  const retry = await peer.receive();
  const smaller = decodeMessage(ReadStreamEventsSchema, retry.payload);
  assert.equal(smaller.fromEventNumber, 0n, "the same page again");
  assert.ok(smaller.maxCount < 100 && smaller.maxCount >= 1, `maxCount ${smaller.maxCount}`);
  await peer.reply(retry, TcpCommand.ReadStreamEventsForwardCompleted, streamPage("s", 0, 3, 4));
  const rest = await peer.receive();
  assert.equal(decodeMessage(ReadStreamEventsSchema, rest.payload).fromEventNumber, 3n);
  await peer.reply(rest, TcpCommand.ReadStreamEventsForwardCompleted, streamPage("s", 3, 2, 4));
  assert.deepEqual((await events).map((e) => Number(e.eventNumber)), [0, 1, 2, 3, 4]);
  peer.close();
});

Deno.test("iter() gives up with FrameTooLargeError when a single event is over the maximum", async () => {
  const { client, peer } = await connectFake();
  await using _ = client;
  const events = failure(Array.fromAsync(client.iter("s", { batchSize: 4 })));
  const sizes: number[] = [];
  for (;;) {
    const request = await peer.receive();
    sizes.push(decodeMessage(ReadStreamEventsSchema, request.payload).maxCount);
    await sendOversized(peer, request, TcpCommand.ReadStreamEventsForwardCompleted);
    if (sizes.at(-1) === 1) break;
  }
  assert.ok(await events instanceof FrameTooLargeError);
  assert.deepEqual(sizes, [4, 2, 1]);
  peer.close();
});

Deno.test("iterAll() retries a page that came back too large with a smaller page and goes on", async () => {
  const { client, peer } = await connectFake();
  await using _ = client;
  const events = Array.fromAsync(client.iterAll({ batchSize: 50, credentials: admin }));
  const first = await peer.receive();
  assert.equal(decodeMessage(ReadAllEventsSchema, first.payload).maxCount, 50);
  await sendOversized(peer, first, TcpCommand.ReadAllEventsForwardCompleted);
  const retry = await peer.receive();
  const smaller = decodeMessage(ReadAllEventsSchema, retry.payload);
  assert.equal(smaller.commitPosition, 0n);
  assert.ok(smaller.maxCount < 50, `maxCount ${smaller.maxCount}`);
  await peer.reply(retry, TcpCommand.ReadAllEventsForwardCompleted, allPage(0, 2, false));
  const rest = await peer.receive();
  await peer.reply(rest, TcpCommand.ReadAllEventsForwardCompleted, allPage(2, 0, true));
  assert.equal((await events).length, 2);
  peer.close();
});

Deno.test("a read that returns more events than its maxCount fails with a ProtocolError naming the command", async () => {
  const { client, peer } = await connectFake();
  await using _ = client;
  const read = failure(client.get("s", { maxCount: 2 }));
  const request = await peer.receive();
  await peer.reply(request, TcpCommand.ReadStreamEventsForwardCompleted, streamPage("s", 0, 5, 9));
  const e = await read;
  const error = e instanceof ProtocolError ? e : (e as Error).cause;
  assert.ok(error instanceof ProtocolError, String(e));
  assert.equal(error.command, TcpCommand.ReadStreamEventsForwardCompleted);
  assert.match(error.message, /ReadStreamEventsForwardCompleted/);
  assert.match(error.message, /5 events/);
  peer.close();
});

Deno.test("a $all read that returns more events than its maxCount fails with a ProtocolError naming the command", async () => {
  const { client, peer } = await connectFake();
  await using _ = client;
  const read = failure(client.getAll({ maxCount: 3, credentials: admin }));
  const request = await peer.receive();
  await peer.reply(request, TcpCommand.ReadAllEventsForwardCompleted, allPage(0, 4, false));
  const e = await read;
  const error = e instanceof ProtocolError ? e : (e as Error).cause;
  assert.ok(error instanceof ProtocolError, String(e));
  assert.match(error.message, /ReadAllEventsForwardCompleted/);
  peer.close();
});

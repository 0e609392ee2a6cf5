/**
 * The outgoing side of one connection against a peer that stops reading: sends wait for room,
 * the queue's byte count stays bounded (asserted on the queue, not on RSS), and a peer that
 * takes nothing for the heartbeat timeout gets the connection closed with PeerNotReadingError.
 *
 * @module
 */

import assert from "node:assert/strict";
import { Connection, type ConnectionSettings } from "../../lib/client/connection.ts";
import type { Decision, Operation } from "../../lib/client/operation.ts";
import { RequestOperation } from "../../lib/client/operation.ts";
import { ConnectionClosedError, PeerNotReadingError } from "../../lib/errors.ts";
import { createPipe } from "../../lib/wire/duplex.ts";
import { encodePackage, type Package } from "../../lib/wire/package_codec.ts";
import { TcpCommand } from "../../lib/wire/tcp_command.ts";
import { ManualClock } from "../support/manual_clock.ts";
import { FakePeer } from "./support/fake_peer.ts";

const MAX_QUEUED = 256 * 1024;

async function open(clock: ManualClock) {
  const [clientEnd, serverEnd] = createPipe();
  const peer = new FakePeer(serverEnd);
  const closed: { error: Error | undefined; operations: Operation<unknown>[] }[] = [];
  const settings: ConnectionSettings = {
    name: "backpressure",
    heartbeatInterval: 750,
    heartbeatTimeout: 1500,
    maxPackageSize: 64 * 1024 * 1024,
    maxQueuedBytes: MAX_QUEUED,
    clock,
  };
  const identified = (async () => {
    const identify = await peer.receive();
    await peer.reply(identify, TcpCommand.ClientIdentified);
  })();
  const connection = await Connection.open(clientEnd, settings, {
    decided: (_c: Connection, _o: Operation<unknown>, _d: Decision) => {},
    closed: (_c, error, operations) => closed.push({ error, operations }),
  }, AbortSignal.timeout(5000));
  await identified;
  return { connection, peer, closed };
}

function ping(): RequestOperation<undefined> {
  return new RequestOperation("Ping", {
    command: TcpCommand.Ping,
    payload: new Uint8Array(0),
    responseCommand: TcpCommand.Pong,
    decode: () => undefined,
  });
}

function bigWrite(size: number): RequestOperation<undefined> {
  return new RequestOperation("WriteEvents", {
    command: TcpCommand.WriteEvents,
    payload: new Uint8Array(size),
    responseCommand: TcpCommand.WriteEventsCompleted,
    decode: () => undefined,
  });
}

/** The next request of an operation, past the client's own heartbeat requests. */
async function nextRequest(peer: FakePeer): Promise<Package> {
  for (;;) {
    const pkg = await peer.receive();
    if (pkg.command !== TcpCommand.HeartbeatRequest) return pkg;
  }
}

/** Lets the pipe and the queue move what they can; nothing here waits for a timer. */
async function settle(): Promise<void> {
  for (let i = 0; i < 100; i++) await Promise.resolve();
}

Deno.test("a peer that never reads: sends wait, the queue stays bounded, and the connection closes with PeerNotReadingError", async () => {
  const clock = new ManualClock();
  const { connection, peer, closed } = await open(clock);
  const operations = Array.from({ length: 200 }, () => bigWrite(10_000));
  for (const operation of operations) {
    operation.result.catch(() => {});
    assert.equal(connection.send(operation), true);
    assert.ok(connection.queuedBytes <= MAX_QUEUED, `${connection.queuedBytes} bytes queued`);
  }
  await settle();
  assert.ok(connection.queuedBytes <= MAX_QUEUED, `${connection.queuedBytes} bytes queued`);
  assert.ok(connection.queuedBytes > MAX_QUEUED / 2, "the queue did fill up");
  assert.equal(connection.closed, false);
  clock.advance(1500);
  assert.equal(connection.closed, true);
  assert.equal(closed.length, 1);
  const { error, operations: lost } = closed[0];
  assert.ok(error instanceof PeerNotReadingError, String(error));
  assert.ok(error instanceof ConnectionClosedError, "handled like any lost connection");
  assert.match(error.message, /read nothing for 1500 ms while \d+ bytes were waiting/);
  assert.equal(lost.length, 200, "every operation goes back to the owner, to retry or fail");
  assert.equal(connection.queuedBytes, 0);
  peer.close();
  await connection.close();
});

Deno.test("a peer flooding heartbeat requests while not reading cannot grow the queue, and is cut off", async () => {
  const clock = new ManualClock();
  const { connection, peer, closed } = await open(clock);
  const one = encodePackage({
    command: TcpCommand.HeartbeatRequest,
    correlationId: crypto.randomUUID(),
    payload: new Uint8Array(0),
  });
  const burst = new Uint8Array(one.length * 10_000);
  for (let i = 0; i < 10_000; i++) burst.set(one, i * one.length);
  let most = 0;
  for (let round = 0; round < 10 && !connection.closed; round++) {
    // 100,000 requests in all, each asking for a response the peer never reads.
    await peer.sendBytes(burst);
    await settle();
    most = Math.max(most, connection.queuedBytes);
    assert.ok(connection.queuedBytes <= MAX_QUEUED, `${connection.queuedBytes} bytes queued`);
    // The flood keeps the connection alive as far as the heartbeat goes (bytes arrive).
    clock.advance(100);
  }
  assert.ok(most > MAX_QUEUED / 2, `the responses filled the queue (${most} bytes)`);
  clock.advance(1500);
  assert.equal(connection.closed, true);
  assert.ok(closed[0].error instanceof PeerNotReadingError, String(closed[0].error));
  peer.close();
  await connection.close();
});

Deno.test("a peer that reads slowly but steadily is never cut off, and every send gets through", async () => {
  const clock = new ManualClock();
  const { connection, peer, closed } = await open(clock);
  const operations = Array.from({ length: 200 }, () => bigWrite(10_000));
  for (const operation of operations) connection.send(operation);
  // 100 KB a second (the queue's writes are up to 64 KiB): the whole takes 20 s, far past the
  // 1.5 s timeout, with the queue full all along.
  for (let i = 0; i < 200; i++) {
    const request = await nextRequest(peer);
    assert.equal(request.command, TcpCommand.WriteEvents);
    await peer.reply(request, TcpCommand.WriteEventsCompleted);
    if (i % 10 === 9) clock.advance(1000);
  }
  await Promise.all(operations.map((operation) => operation.result));
  assert.equal(closed.length, 0);
  assert.equal(connection.closed, false);
  const check = ping();
  connection.send(check);
  await peer.reply(await nextRequest(peer), TcpCommand.Pong);
  await check.result;
  peer.close();
  await connection.close();
});

import assert from "node:assert/strict";
import {
  NotHandled_LeaderInfoSchema,
  NotHandled_NotHandledReason,
  NotHandledSchema,
  OperationResult,
  WriteEventsCompletedSchema,
  WriteEventsSchema,
} from "../../../gen/client_messages_pb.ts";
import { newEvent } from "../../../lib/client/new_event.ts";
import { RequestOperation } from "../../../lib/client/operation.ts";
import type { Decision, Operation, OutgoingRequest } from "../../../lib/client/operation.ts";
import type { Message } from "../../../lib/wire/message.ts";
import type { Endpoint } from "../../../lib/client/transport.ts";
import {
  ConnectionClosedError,
  NotHandledError,
  OperationTimeoutError,
  RetriesExhaustedError,
} from "../../../lib/errors.ts";
import { startMemoryStore } from "../../../lib/memstore/mod.ts";
import { createPipe } from "../../../lib/wire/duplex.ts";
import { decodeMessage, encodeMessage } from "../../../lib/wire/proto_codec.ts";
import { TcpCommand } from "../../../lib/wire/tcp_command.ts";
import { FakePeer } from "../support/fake_peer.ts";
import { clientOver, openExecutor, StateRecorder, WatchedClock } from "./support.ts";

const MEMSTORE: Endpoint = { hostname: "memstore", port: 1113 };

Deno.test("appends in flight when the connection drops are re-sent on a new connection and written once", async () => {
  await using store = await startMemoryStore({ listen: false });
  let dials = 0;
  const executor = await openExecutor({
    endpoint: MEMSTORE,
    dialer: () => (dials++, Promise.resolve(store.connectPipe())),
    reconnection: { delay: 0 },
  });
  await using client = clientOver(executor);
  const recorder = new StateRecorder(executor);
  const events = Array.from({ length: 50 }, (_, i) => newEvent("counted", { body: { i } }));
  const writes = events.map((event) => client.publish("drops-1", [event]));
  store.dropConnections();
  const results = await Promise.all(writes);
  assert.equal(results.length, 50);
  assert.ok(dials >= 2, `expected a reconnection, dialled ${dials} time(s)`);
  assert.deepEqual(recorder.statuses.slice(0, 2), ["reconnecting", "connected"]);
  const slice = await client.get("drops-1", { maxCount: 100 });
  assert.deepEqual(
    [...slice].map((e) => e.event!.id).sort(),
    events.map((e) => e.id).sort(),
  );
  recorder.stop();
});

Deno.test("an operation refused with NotHandled TooBusy on every attempt fails with RetriesExhaustedError counting the attempts", async () => {
  await using store = await startMemoryStore({ listen: false });
  const executor = await openExecutor({
    endpoint: MEMSTORE,
    dialer: () => Promise.resolve(store.connectPipe()),
    maxRetries: 3,
    retryDelay: 0,
  });
  await using client = clientOver(executor);
  store.setNotHandled("TooBusy");
  const error = await client.publishEvent("busy-1", "tried").then(
    () => assert.fail("the write succeeded"),
    (e) => e,
  );
  assert.ok(error instanceof RetriesExhaustedError, String(error));
  assert.equal(error.attempts, 4);
  assert.equal(error.operation, "WriteEvents");
  assert.match(error.message, /WriteEvents failed after 4 attempts/);
  assert.ok(error.cause instanceof NotHandledError);
  assert.equal((error.cause as NotHandledError).reason, "TooBusy");
});

Deno.test("NotHandled NotReady is re-sent after retryDelay with a fresh correlation id and the same event ids", async () => {
  const clock = new WatchedClock();
  const [clientEnd, serverEnd] = createPipe();
  const peer = new FakePeer(serverEnd);
  const identified = peer.receive().then((p) => peer.reply(p, TcpCommand.ClientIdentified));
  await using executor = await openExecutor({
    endpoint: MEMSTORE,
    dialer: () => Promise.resolve(clientEnd),
    retryDelay: 250,
    clock,
  });
  await identified;
  const client = clientOver(executor);
  const write = client.publishEvent("ready-1", "waited");
  const first = await peer.receive();
  assert.equal(first.command, TcpCommand.WriteEvents);
  const retryScheduled = clock.whenScheduled(250);
  await peer.reply(
    first,
    TcpCommand.NotHandled,
    encodeMessage(NotHandledSchema, { reason: NotHandled_NotHandledReason.NotReady }),
  );
  await retryScheduled;
  clock.advance(250);
  const second = await peer.receive();
  assert.equal(second.command, TcpCommand.WriteEvents);
  assert.notEqual(second.correlationId, first.correlationId);
  assert.deepEqual(second.payload, first.payload);
  await peer.reply(second, TcpCommand.WriteEventsCompleted, writeSuccess(0n));
  assert.equal((await write).lastEventNumber, 0n);
  peer.close();
});

Deno.test("NotHandled NotLeader with leader info reconnects to the leader and re-sends the write there", async () => {
  const leaderEndpoint = { hostname: "10.0.0.2", port: 2113 };
  const followerEndpoint = { hostname: "10.0.0.1", port: 1113 };
  const dialled: Endpoint[] = [];
  const peers = new Map<string, FakePeer>();
  const dialer = (endpoint: Endpoint) => {
    dialled.push(endpoint);
    const [clientEnd, serverEnd] = createPipe();
    const peer = new FakePeer(serverEnd);
    peers.set(`${endpoint.hostname}:${endpoint.port}`, peer);
    peer.receive().then((p) => peer.reply(p, TcpCommand.ClientIdentified)).catch(() => {});
    return Promise.resolve(clientEnd);
  };
  await using executor = await openExecutor({ endpoint: followerEndpoint, dialer });
  const client = clientOver(executor);
  const event = newEvent("led", { body: {} });
  const write = client.publish("leader-1", [event]);
  const follower = peers.get("10.0.0.1:1113")!;
  const refused = await follower.receive();
  assert.equal(decodeMessage(WriteEventsSchema, refused.payload).requireLeader, true);
  await follower.reply(
    refused,
    TcpCommand.NotHandled,
    encodeMessage(NotHandledSchema, {
      reason: NotHandled_NotHandledReason.NotLeader,
      additionalInfo: encodeMessage(NotHandled_LeaderInfoSchema, {
        externalTcpAddress: leaderEndpoint.hostname,
        externalTcpPort: leaderEndpoint.port,
        httpAddress: leaderEndpoint.hostname,
        httpPort: 2114,
      }),
    }),
  );
  await follower.closed();
  const leader = await waitForPeer(peers, "10.0.0.2:2113");
  const resent = await leader.receive();
  assert.equal(resent.command, TcpCommand.WriteEvents);
  assert.deepEqual(resent.payload, refused.payload);
  await leader.reply(resent, TcpCommand.WriteEventsCompleted, writeSuccess(0n));
  assert.equal((await write).lastEventNumber, 0n);
  assert.deepEqual(dialled, [followerEndpoint, leaderEndpoint]);
  assert.deepEqual(executor.endpoint, leaderEndpoint);
  leader.close();
});

Deno.test("NotHandled NotLeader without leader info is re-sent after retryDelay; IsReadOnly is not retried", async () => {
  const clock = new WatchedClock();
  const [clientEnd, serverEnd] = createPipe();
  const peer = new FakePeer(serverEnd);
  const identified = peer.receive().then((p) => peer.reply(p, TcpCommand.ClientIdentified));
  let dials = 0;
  await using executor = await openExecutor({
    endpoint: MEMSTORE,
    dialer: () => (dials++, Promise.resolve(clientEnd)),
    retryDelay: 300,
    clock,
  });
  await identified;
  const client = clientOver(executor);
  const write = client.publishEvent("no-info-1", "x");
  const first = await peer.receive();
  const retryScheduled = clock.whenScheduled(300);
  await peer.reply(
    first,
    TcpCommand.NotHandled,
    encodeMessage(NotHandledSchema, { reason: NotHandled_NotHandledReason.NotLeader }),
  );
  await retryScheduled;
  clock.advance(300);
  const second = await peer.receive();
  assert.deepEqual(second.payload, first.payload);
  await peer.reply(
    second,
    TcpCommand.NotHandled,
    encodeMessage(NotHandledSchema, { reason: NotHandled_NotHandledReason.IsReadOnly }),
  );
  const error = await write.then(() => assert.fail("written"), (e) => e);
  assert.ok(error instanceof NotHandledError);
  assert.equal(error.reason, "IsReadOnly");
  assert.equal(dials, 1);
  peer.close();
});

Deno.test("the reconnection policy gives up after maxAttempts: the executor closes and waiting operations fail with ConnectionClosedError", async () => {
  await using store = await startMemoryStore({ listen: false });
  let dials = 0;
  const executor = await openExecutor({
    endpoint: MEMSTORE,
    dialer: () => {
      dials++;
      if (dials === 1) return Promise.resolve(store.connectPipe());
      return Promise.reject(new Deno.errors.ConnectionRefused("refused by the test"));
    },
    reconnection: { delay: 0, maxAttempts: 3 },
  });
  await using client = clientOver(executor);
  const recorder = new StateRecorder(executor);
  const closed = recorder.next("closed");
  store.dropConnections();
  const write = client.publishEvent("gone-1", "lost");
  await closed;
  const error = await write.then(() => assert.fail("the write succeeded"), (e) => e);
  assert.ok(error instanceof ConnectionClosedError, String(error));
  assert.match(
    error.message,
    /Cannot connect to "memstore:1113" after 3 attempts: refused by the test/,
  );
  assert.equal(dials, 4);
  assert.deepEqual(recorder.statuses, [
    "reconnecting",
    "reconnecting",
    "reconnecting",
    "closed",
  ]);
  assert.deepEqual(
    recorder.states.filter((s) => s.status === "reconnecting").map((s) =>
      s.status === "reconnecting" && s.attempt
    ),
    [1, 2, 3],
  );
  const last = recorder.states.at(-1)!;
  assert.ok(last.status === "closed" && last.error instanceof ConnectionClosedError);
  await assert.rejects(client.publishEvent("gone-1", "after"), ConnectionClosedError);
});

Deno.test('maxAttempts "forever" keeps reconnecting past the default 10 attempts', async () => {
  await using store = await startMemoryStore({ listen: false });
  let dials = 0;
  const executor = await openExecutor({
    endpoint: MEMSTORE,
    dialer: () => {
      dials++;
      if (dials === 1 || dials > 25) return Promise.resolve(store.connectPipe());
      return Promise.reject(new Deno.errors.ConnectionRefused("down"));
    },
    reconnection: { delay: 0, maxAttempts: "forever" },
  });
  await using client = clientOver(executor);
  const recorder = new StateRecorder(executor);
  const connected = recorder.next("connected");
  store.dropConnections();
  await connected;
  assert.equal(dials, 26);
  await client.publishEvent("forever-1", "back");
  recorder.stop();
});

Deno.test("the first connection is retried by the reconnection policy", async () => {
  await using store = await startMemoryStore({ listen: false });
  let dials = 0;
  await using executor = await openExecutor({
    endpoint: MEMSTORE,
    dialer: () => {
      dials++;
      if (dials < 3) return Promise.reject(new Deno.errors.ConnectionRefused("not yet"));
      return Promise.resolve(store.connectPipe());
    },
    reconnection: { delay: 0, maxAttempts: 5 },
  });
  assert.equal(executor.state.status, "connected");
  assert.equal(dials, 3);
});

Deno.test("the first connection fails with ConnectionClosedError naming the attempts when every try fails", async () => {
  let dials = 0;
  const error = await openExecutor({
    endpoint: MEMSTORE,
    dialer: () => (dials++, Promise.reject(new Deno.errors.ConnectionRefused("nobody home"))),
    reconnection: { delay: 0, maxAttempts: 2 },
  }).then(() => assert.fail("connected"), (e) => e);
  assert.ok(error instanceof ConnectionClosedError);
  assert.match(error.message, /Cannot connect to "memstore:1113" after 3 attempts: nobody home/);
  assert.ok(error.cause instanceof Deno.errors.ConnectionRefused);
  assert.equal(dials, 3);
});

Deno.test("states() streams connected, reconnecting, connected and closed, then ends", async () => {
  await using store = await startMemoryStore({ listen: false });
  const executor = await openExecutor({
    endpoint: MEMSTORE,
    dialer: () => Promise.resolve(store.connectPipe()),
    reconnection: { delay: 0 },
  });
  const reader = executor.states().getReader();
  assert.equal((await reader.read()).value?.status, "connected");
  store.dropConnections();
  const reconnecting = (await reader.read()).value!;
  assert.equal(reconnecting.status, "reconnecting");
  assert.ok(reconnecting.status === "reconnecting" && reconnecting.attempt === 1);
  assert.ok(reconnecting.status === "reconnecting" && reconnecting.error instanceof Error);
  assert.equal((await reader.read()).value?.status, "connected");
  await executor.close();
  assert.deepEqual(await reader.read(), {
    done: false,
    value: { status: "closed", name: executor.state.name, error: undefined },
  });
  assert.equal((await reader.read()).done, true);
});

Deno.test("close() fails queued operations with ConnectionClosedError and stops reconnecting", async () => {
  const clock = new WatchedClock();
  await using store = await startMemoryStore({ listen: false });
  let dials = 0;
  const executor = await openExecutor({
    endpoint: MEMSTORE,
    dialer: () => (dials++, Promise.resolve(store.connectPipe())),
    reconnection: { delay: 5000 },
    clock,
  });
  const client = clientOver(executor);
  const waiting = clock.whenScheduled(5000);
  store.dropConnections();
  await waiting; // reconnecting: the delay is running, nothing is connected
  const write = client.publishEvent("closing-1", "queued");
  await executor.close();
  await assert.rejects(write, ConnectionClosedError);
  assert.equal(executor.state.status, "closed");
  clock.advance(10_000);
  assert.equal(dials, 1);
  assert.equal(clock.pending, 0);
});

Deno.test("the call timeout is a deadline that includes time spent waiting for a connection", async () => {
  const clock = new WatchedClock();
  await using store = await startMemoryStore({ listen: false });
  await using executor = await openExecutor({
    endpoint: MEMSTORE,
    dialer: () => Promise.resolve(store.connectPipe()),
    reconnection: { delay: 60_000 },
    clock,
  });
  const client = clientOver(executor);
  const waiting = clock.whenScheduled(60_000);
  store.dropConnections();
  await waiting;
  const write = client.publishEvent("late-1", "queued", { timeout: 1000 });
  clock.advance(1000);
  const error = await write.then(() => assert.fail("written"), (e) => e);
  assert.ok(error instanceof OperationTimeoutError);
  assert.equal(error.timeoutMs, 1000);
  assert.equal(executor.pendingOperations, 0);
});

Deno.test("aborting the caller's signal withdraws a queued operation", async () => {
  const clock = new WatchedClock();
  await using store = await startMemoryStore({ listen: false });
  await using executor = await openExecutor({
    endpoint: MEMSTORE,
    dialer: () => Promise.resolve(store.connectPipe()),
    reconnection: { delay: 60_000 },
    clock,
  });
  const client = clientOver(executor);
  const waiting = clock.whenScheduled(60_000);
  store.dropConnections();
  await waiting;
  const controller = new AbortController();
  const write = client.publishEvent("abort-1", "queued", { signal: controller.signal });
  controller.abort(new Error("changed my mind"));
  await assert.rejects(write, /changed my mind/);
  assert.equal(executor.pendingOperations, 0);
});

Deno.test("a finished operation removes its listener from the caller's signal", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using executor = await openExecutor({
    endpoint: MEMSTORE,
    dialer: () => Promise.resolve(store.connectPipe()),
  });
  const client = clientOver(executor);
  const controller = new AbortController();
  const listening = new Set<unknown>();
  const signal = controller.signal;
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener = (type: string, listener: unknown, options?: unknown) => {
    listening.add(listener);
    add(type, listener as EventListener, options as AddEventListenerOptions);
  };
  signal.removeEventListener = (type: string, listener: unknown, options?: unknown) => {
    listening.delete(listener);
    remove(type, listener as EventListener, options as EventListenerOptions);
  };
  const write = client.publishEvent("detach-1", "e", { signal });
  assert.equal(listening.size, 1);
  await write;
  assert.equal(listening.size, 0);
  // Aborting afterwards reaches nothing: the write stays written.
  controller.abort(new Error("too late"));
  assert.equal(executor.pendingOperations, 0);
  assert.equal((await client.get("detach-1")).length, 1);
});

Deno.test("a domain error is not retried", async () => {
  await using store = await startMemoryStore({ listen: false });
  let dials = 0;
  await using executor = await openExecutor({
    endpoint: MEMSTORE,
    dialer: () => (dials++, Promise.resolve(store.connectPipe())),
  });
  const client = clientOver(executor);
  await assert.rejects(
    client.publishEvent("wev-1", "x", { expectedVersion: 5 }),
    { name: "WrongExpectedVersionError" },
  );
  assert.equal(dials, 1);
  assert.equal(executor.pendingOperations, 0);
});

/** A long-lived operation: confirmed by Pong, then kept (like a subscription). */
class PingSubscription implements Operation<void> {
  readonly name = "PingSubscription";
  readonly credentials = undefined;
  readonly result: Promise<void>;
  requests = 0;
  confirmations = 0;
  #resolve!: () => void;
  #reject!: (error: Error) => void;
  failure: Error | undefined;
  constructor() {
    this.result = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.result.catch(() => {});
  }
  createRequest(): OutgoingRequest {
    this.requests++;
    return { command: TcpCommand.Ping, payload: new Uint8Array(0) };
  }
  /** Pongs after the first: the last one ends the operation. */
  endAfter = Infinity;
  handle(message: Message): Decision {
    assert.equal(message.command, TcpCommand.Pong);
    this.confirmations++;
    this.#resolve();
    return this.confirmations >= this.endAfter
      ? { kind: "complete" }
      : this.confirmations === 1
      ? { kind: "confirmed" }
      : { kind: "continue" };
  }
  fail(error: Error): void {
    this.failure ??= error;
    this.#reject(error);
  }
}

Deno.test("a confirmed operation whose connection is lost fails with the connection error and is not re-sent", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using executor = await openExecutor({
    endpoint: MEMSTORE,
    dialer: () => Promise.resolve(store.connectPipe()),
    reconnection: { delay: 0 },
  });
  const subscription = new PingSubscription();
  await executor.execute(subscription);
  const recorder = new StateRecorder(executor);
  const connected = recorder.next("connected");
  store.dropConnections();
  await connected;
  assert.ok(subscription.failure instanceof ConnectionClosedError);
  assert.equal(subscription.requests, 1);
  assert.equal(executor.pendingOperations, 0);
  recorder.stop();
});

Deno.test("sendFor() talks on behalf of an attached operation, which is forgotten when it completes", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using executor = await openExecutor({
    endpoint: MEMSTORE,
    dialer: () => Promise.resolve(store.connectPipe()),
  });
  const subscription = new PingSubscription();
  subscription.endAfter = 2;
  await executor.execute(subscription);
  assert.equal(executor.pendingOperations, 1);
  await executor.sendFor(subscription, { command: TcpCommand.Ping, payload: new Uint8Array(0) });
  await executor.execute(
    new RequestOperation("Ping", {
      command: TcpCommand.Ping,
      payload: new Uint8Array(0),
      responseCommand: TcpCommand.Pong,
      decode: () => undefined,
    }),
  ); // replies come in order: the subscription's second Pong has been handled
  assert.equal(subscription.confirmations, 2);
  assert.equal(executor.pendingOperations, 0);
  await assert.rejects(
    executor.sendFor(subscription, { command: TcpCommand.Ping, payload: new Uint8Array(0) }),
    ConnectionClosedError,
  );
});

Deno.test("aborting an attached operation's signal fails it and forgets it", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using executor = await openExecutor({
    endpoint: MEMSTORE,
    dialer: () => Promise.resolve(store.connectPipe()),
  });
  const subscription = new PingSubscription();
  const controller = new AbortController();
  await executor.execute(subscription, { signal: controller.signal });
  assert.equal(executor.pendingOperations, 1);
  controller.abort(new Error("unsubscribed by the caller"));
  assert.match(String(subscription.failure), /unsubscribed by the caller/);
  assert.equal(executor.pendingOperations, 0);
  await assert.rejects(
    executor.sendFor(subscription, { command: TcpCommand.Ping, payload: new Uint8Array(0) }),
    ConnectionClosedError,
  );
});

Deno.test("a ping over the executor works and toString() names the state", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using executor = await openExecutor({
    endpoint: MEMSTORE,
    dialer: () => Promise.resolve(store.connectPipe()),
    name: "resilient",
  });
  await executor.execute(
    new RequestOperation("Ping", {
      command: TcpCommand.Ping,
      payload: new Uint8Array(0),
      responseCommand: TcpCommand.Pong,
      decode: () => undefined,
    }),
  );
  assert.equal(String(executor), "ReconnectingExecutor(resilient, connected)");
});

function writeSuccess(last: bigint): Uint8Array {
  return encodeMessage(WriteEventsCompletedSchema, {
    result: OperationResult.Success,
    firstEventNumber: last,
    lastEventNumber: last,
    preparePosition: 100n,
    commitPosition: 100n,
  });
}

async function waitForPeer(peers: Map<string, FakePeer>, key: string): Promise<FakePeer> {
  // The dial happens after the follower closed; yield until the executor has made it.
  for (let i = 0; i < 1000 && !peers.has(key); i++) await Promise.resolve();
  const peer = peers.get(key);
  if (!peer) throw new Error(`No connection to ${key} was made`);
  return peer;
}

import assert from "node:assert/strict";
import { newEvent } from "../../../lib/client/new_event.ts";
import { ConnectionClosedError, ProtocolError } from "../../../lib/errors.ts";
import { startMemoryStore } from "../../../lib/memstore/mod.ts";
import { startFaultProxy } from "../../support/fault_proxy.ts";
import { clientOver, openExecutor, StateRecorder, WatchedClock } from "./support.ts";

Deno.test("a corrupted frame closes the connection with a ProtocolError, the client reconnects and the append lands once", async () => {
  await using store = await startMemoryStore({ port: 0, heartbeat: false });
  await using proxy = await startFaultProxy({
    target: { hostname: store.hostname, port: store.port },
  });
  const executor = await openExecutor({
    endpoint: { hostname: proxy.hostname, port: proxy.port },
    reconnection: { delay: 0 },
  });
  await using client = clientOver(executor);
  const recorder = new StateRecorder(executor);
  // Inverting the next (little-endian int32) length prefix the server sends makes it negative.
  proxy.corruptNext(4, "toClient");
  const event = newEvent("survived", { body: { ok: true } });
  const result = await client.publish("corrupt-1", [event]);
  assert.equal(result.lastEventNumber, 0n);

  const reconnecting = recorder.states.find((s) => s.status === "reconnecting");
  assert.ok(reconnecting?.status === "reconnecting", `states: ${recorder.statuses}`);
  assert.ok(reconnecting.error instanceof ConnectionClosedError);
  assert.ok(reconnecting.error.cause instanceof ProtocolError, String(reconnecting.error.cause));
  assert.equal((reconnecting.error.cause as ProtocolError).kind, "frame-too-small");
  assert.equal(executor.state.status, "connected");
  assert.equal(proxy.acceptedCount, 2);
  const stored = await client.get("corrupt-1");
  assert.deepEqual([...stored].map((e) => e.event!.id), [event.id]);
  recorder.stop();
});

Deno.test("a server that stops answering is detected by the heartbeat timeout and the client reconnects", async () => {
  const clock = new WatchedClock();
  await using store = await startMemoryStore({ port: 0, heartbeat: false });
  await using proxy = await startFaultProxy({
    target: { hostname: store.hostname, port: store.port },
  });
  const executor = await openExecutor({
    endpoint: { hostname: proxy.hostname, port: proxy.port },
    heartbeatInterval: 750,
    heartbeatTimeout: 1500,
    reconnection: { delay: 100 },
    clock,
  });
  await using client = clientOver(executor);
  const recorder = new StateRecorder(executor);
  proxy.stall(true, "toClient");
  const sentBefore = proxy.stats().toTarget.bytesIn;
  clock.advance(750); // idle for an interval: the client sends a HeartbeatRequest
  await proxy.whenHeld("toClient"); // the server answered; the answer is held back
  assert.ok(proxy.stats().toTarget.bytesIn > sentBefore, "no heartbeat request was sent");
  assert.equal(executor.state.status, "connected");
  clock.advance(1500); // no package within the heartbeat timeout: the connection is dead
  const state = recorder.states.at(-1);
  if (state?.status !== "reconnecting") assert.fail(`expected reconnecting, got ${state?.status}`);
  assert.ok(state.error instanceof ConnectionClosedError);
  assert.match(state.error.message, /stopped answering heartbeats/);

  proxy.stall(false, "toClient");
  const connected = recorder.next("connected");
  clock.advance(100);
  await connected;
  assert.equal(proxy.acceptedCount, 2);
  await client.publishEvent("heartbeat-1", "after");
  recorder.stop();
});

Deno.test("operations survive a proxy that drops every connection several times", async () => {
  await using store = await startMemoryStore({ port: 0, heartbeat: false });
  await using proxy = await startFaultProxy({
    target: { hostname: store.hostname, port: store.port },
  });
  const executor = await openExecutor({
    endpoint: { hostname: proxy.hostname, port: proxy.port },
    reconnection: { delay: 0, maxAttempts: "forever" },
  });
  await using client = clientOver(executor);
  proxy.setChunking(7); // and split every write into 7-byte pieces
  const events = Array.from({ length: 30 }, (_, i) => newEvent("chunked", { body: { i } }));
  for (let round = 0; round < 3; round++) {
    const writes = events.slice(round * 10, round * 10 + 10).map((e) =>
      client.publish("dropped-1", [e])
    );
    proxy.dropAll();
    await Promise.all(writes);
  }
  const stored = await client.get("dropped-1");
  assert.deepEqual([...stored].map((e) => e.event!.id).sort(), events.map((e) => e.id).sort());
});

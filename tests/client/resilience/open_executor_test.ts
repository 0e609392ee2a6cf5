import assert from "node:assert/strict";
import { connect } from "../../../lib/client/client.ts";
import { endpointSource } from "../../../lib/client/endpoint_source.ts";
import type { ConnectionState } from "../../../lib/client/connection_state.ts";
import { resolveSettings } from "../../../lib/client/settings.ts";
import { startMemoryStore } from "../../../lib/memstore/mod.ts";
import { ConnectionClosedError } from "../../../lib/errors.ts";

Deno.test("connect() reconnects by default: a dropped connection is replaced and the write goes through", async () => {
  await using store = await startMemoryStore({ port: 0 });
  await using client = await connect(store.url, { reconnection: { delay: 0 } });
  const reader = client.states().getReader();
  assert.equal((await reader.read()).value?.status, "connected");
  store.dropConnections();
  const write = client.publishEvent("connect-1", "after-drop");
  const seen: ConnectionState["status"][] = [];
  for (;;) {
    const state = (await reader.read()).value!;
    seen.push(state.status);
    if (state.status === "connected") break;
  }
  assert.deepEqual(seen, ["reconnecting", "connected"]);
  assert.equal((await write).lastEventNumber, 0n);
  await reader.cancel();
});

Deno.test("connect() with reconnection: false closes for good when the connection drops", async () => {
  await using store = await startMemoryStore({ port: 0 });
  await using client = await connect(store.url, { reconnection: false });
  const closed = new Promise<void>((resolve) => {
    const stop = client.watch((state) => {
      if (state.status === "closed") {
        stop();
        resolve();
      }
    });
  });
  store.dropConnections();
  await closed;
  await assert.rejects(client.ping(), ConnectionClosedError);
});

Deno.test("connection URLs take maxRetries, maxReconnections, reconnectionDelay and retryDelay", () => {
  const settings = resolveSettings(
    "tcp://localhost:1113?maxRetries=3&maxReconnections=-1&reconnectionDelay=250&retryDelay=50",
  );
  assert.equal(settings.executor.retry.maxRetries, 3);
  assert.equal(settings.executor.retry.retryDelay, 50);
  const policy = settings.executor.reconnection;
  assert.equal(policy.maxAttempts, Infinity);
  assert.equal(policy.delay(1), 250);
  assert.equal(resolveSettings("tcp://h?maxRetries=forever").executor.retry.maxRetries, Infinity);
  assert.equal(
    resolveSettings("tcp://h?maxReconnections=0").executor.reconnection.maxAttempts,
    0,
  );
});

Deno.test("bad retry and reconnection values are RangeErrors naming the option", () => {
  assert.throws(() => resolveSettings("tcp://h?maxRetries=-2"), /"maxRetries"/);
  assert.throws(() => resolveSettings("tcp://h?reconnectionDelay=soon"), /"reconnectionDelay"/);
  assert.throws(() => resolveSettings({ maxRetries: 1.5 }), /"maxRetries" 1.5/);
  assert.throws(() => resolveSettings({ retryDelay: -1 }), /"retryDelay" -1/);
  assert.throws(() => resolveSettings({ reconnection: { delay: -5 } }), RangeError);
  assert.throws(() => resolveSettings({ reconnection: { tries: 1 } as never }), /"tries"/);
});

Deno.test("resolveSettings(): 10 retries by default, none with reconnection: false unless asked", async () => {
  const retries = (options: Parameters<typeof resolveSettings>[0]) =>
    resolveSettings(options).executor.retry.maxRetries;
  assert.equal(retries({}), 10);
  assert.equal(retries({ reconnection: false }), 0);
  assert.equal(retries({ reconnection: false, maxRetries: 2 }), 2);
  const signal = new AbortController().signal;
  assert.deepEqual(await endpointSource(resolveSettings("db:1114"))(undefined, signal), {
    hostname: "db",
    port: 1114,
  });
  assert.equal(
    typeof endpointSource(resolveSettings({ discovery: { seeds: ["a:2113"] } })),
    "function",
  );
});

import assert from "node:assert/strict";
import { Position } from "../../../lib/client/position.ts";
import { AccessDeniedError, SubscriptionDroppedError } from "../../../lib/errors.ts";
import { admin, append, numbers, openStore, take } from "./support/store.ts";

Deno.test("subscribeTo() without startFrom delivers only events appended after it resolved, in order", async () => {
  await using env = await openStore();
  await append(env.client, "orders", 3, "old");
  await using subscription = await env.client.subscribeTo("orders");
  await append(env.client, "orders", 4, "new");
  await append(env.client, "other", 2);
  const reader = subscription.getReader();
  const events = await take(reader, 4);
  assert.deepEqual(numbers(events), [3, 4, 5, 6]);
  assert.ok(events.every((e) => e.type === "new" && e.stream === "orders"));
  assert.equal(subscription.lastEventNumber, 6n);
  assert.ok(subscription.lastPosition instanceof Position);
  reader.releaseLock();
});

Deno.test("subscribeToAll() delivers live events of every stream with their $all positions", async () => {
  await using env = await openStore();
  await append(env.client, "before", 2);
  await using subscription = await env.client.subscribeToAll({ credentials: admin });
  await append(env.client, "a", 1);
  await append(env.client, "b", 1);
  const reader = subscription.getReader();
  const events = await take(reader, 2);
  assert.deepEqual(events.map((e) => e.stream), ["a", "b"]);
  assert.ok(events[0].position!.compareTo(events[1].position!) < 0);
  assert.ok(subscription.lastPosition!.equals(events[1].position!));
  reader.releaseLock();
});

Deno.test("a filtered subscribeToAll() delivers matching events only and reports checkpoints after the events before them", async () => {
  await using env = await openStore();
  const seen: string[] = [];
  await using subscription = await env.client.subscribeToAll({
    credentials: admin,
    filter: { on: "eventType", prefixes: ["order-"] },
    checkpointInterval: 2,
    onCheckpoint: (position) => seen.push(`checkpoint ${position.commit}`),
  });
  await append(env.client, "s", 1, "order-placed");
  await append(env.client, "s", 1, "noise", 1);
  await append(env.client, "s", 1, "noise", 2);
  await append(env.client, "s", 1, "order-shipped", 3);
  const reader = subscription.getReader();
  for (let i = 0; i < 2; i++) seen.push((await take(reader, 1))[0].type);
  // Four events considered with interval 2: checkpoints after the 2nd and the 4th.
  const all = await env.client.getAll({ credentials: admin });
  const [, second, , fourth] = all.map((e) => e.position!.commit);
  assert.deepEqual(seen.slice(0, 3), ["order-placed", `checkpoint ${second}`, "order-shipped"]);
  // The last checkpoint is reported once the consumer asks for more.
  const next = reader.read();
  await append(env.client, "s", 1, "order-paid", 4);
  assert.equal((await next).value?.type, "order-paid");
  assert.deepEqual(seen.slice(3), [`checkpoint ${fourth}`]);
  reader.releaseLock();
});

Deno.test("unsubscribe() ends the stream and settles dropped with unsubscribed", async () => {
  await using env = await openStore();
  const subscription = await env.client.subscribeTo("orders");
  await subscription.unsubscribe();
  assert.deepEqual(await subscription.dropped, { reason: "unsubscribed" });
  const reader = subscription.getReader();
  assert.equal((await reader.read()).done, true);
  await subscription.unsubscribe(); // a no-op the second time
});

Deno.test("leaving a for await loop unsubscribes", async () => {
  await using env = await openStore();
  const subscription = await env.client.subscribeTo("orders");
  await append(env.client, "orders", 3);
  const got: number[] = [];
  for await (const event of subscription) {
    got.push(Number(event.eventNumber));
    if (got.length === 2) break;
  }
  assert.deepEqual(got, [0, 1]);
  assert.equal((await subscription.dropped).reason, "unsubscribed");
});

Deno.test("await using unsubscribes at the end of the scope", async () => {
  await using env = await openStore();
  let dropped;
  {
    await using subscription = await env.client.subscribeTo("orders");
    dropped = subscription.dropped;
  }
  assert.equal((await dropped).reason, "unsubscribed");
});

Deno.test("subscribeToAll() without read access to $all rejects with access-denied", async () => {
  await using env = await openStore();
  const error = await env.client.subscribeToAll().then(
    () => assert.fail("expected a rejection"),
    (e) => e,
  );
  assert.ok(error instanceof AccessDeniedError, String(error));
  assert.equal(error.dropReason, "access-denied");
  assert.equal(error.stream, "$all");
  assert.equal(error.stream, "$all");
});

Deno.test("subscribeTo() with wrong credentials rejects with not-authenticated", async () => {
  await using env = await openStore();
  const error = await env.client.subscribeTo("orders", {
    credentials: { username: "admin", password: "wrong" },
  }).then(() => assert.fail("expected a rejection"), (e) => e);
  assert.ok(error instanceof SubscriptionDroppedError);
  assert.equal(error.reason, "not-authenticated");
});

Deno.test("without reconnection, a lost connection drops with connection-lost after delivering what was received", async () => {
  await using env = await openStore({ reconnection: false });
  const subscription = await env.client.subscribeTo("orders");
  await append(env.client, "orders", 2);
  // The events were pushed on this connection before the write's reply: both are queued.
  assert.equal(subscription.bufferedCount, 2);
  const reader = subscription.getReader();
  assert.deepEqual(numbers(await take(reader, 1)), [0]);
  env.store.dropConnections();
  const drop = await subscription.dropped;
  assert.equal(drop.reason, "connection-lost");
  assert.deepEqual(numbers(await take(reader, 1)), [1]);
  await assert.rejects(
    reader.read(),
    (e) => e instanceof SubscriptionDroppedError && e.reason === "connection-lost",
  );
});

Deno.test("a volatile subscription whose consumer lets the buffer overflow is dropped with consumer-too-slow; memory stays at the bound", async () => {
  await using env = await openStore();
  const subscription = await env.client.subscribeTo("orders", { bufferSize: 3 });
  const sizes: number[] = [];
  for (let i = 0; i < 10; i++) {
    await append(env.client, "orders", 1, "e", i);
    sizes.push(subscription.bufferedCount);
  }
  const drop = await subscription.dropped;
  assert.equal(drop.reason, "consumer-too-slow");
  assert.ok(Math.max(...sizes) <= 3, `buffer sizes ${sizes}`);
  const reader = subscription.getReader();
  assert.deepEqual(numbers(await take(reader, 3)), [0, 1, 2]);
  await assert.rejects(
    reader.read(),
    (e) => e instanceof SubscriptionDroppedError && e.reason === "consumer-too-slow",
  );
  // The server was unsubscribed: the connection keeps working.
  await append(env.client, "orders", 1);
});

Deno.test("subscribeTo() rejects bad arguments with TypeError or RangeError", async () => {
  await using env = await openStore();
  await assert.rejects(env.client.subscribeTo(""), TypeError);
  await assert.rejects(env.client.subscribeTo("s", { bufferSize: 0 }), RangeError);
  await assert.rejects(env.client.subscribeTo("s", { resolveLinks: "yes" as never }), TypeError);
  await assert.rejects(env.client.subscribeTo("s", { nope: 1 } as never), TypeError);
  await assert.rejects(env.client.subscribeToAll({ startFrom: 3 as never }), TypeError);
  await assert.rejects(
    env.client.subscribeToAll({ filter: { on: "streamId", prefixes: [] } }),
    TypeError,
  );
});

import assert from "node:assert/strict";
import { Position } from "../../../lib/client/position.ts";
import type { ResolvedEvent } from "../../../lib/client/resolved_event.ts";
import type { CatchUpSubscription } from "../../../lib/client/subscriptions/catch_up_subscription.ts";
import { AccessDeniedError, SubscriptionDroppedError } from "../../../lib/errors.ts";
import type { StoreServices } from "../../../lib/memstore/command_registry.ts";
import type { MemoryStore } from "../../../lib/memstore/mod.ts";
import { newGuid } from "../../../lib/wire/guid.ts";
import type { ClientContext } from "../../../lib/client/client_context.ts";
import type { ReconnectingExecutor } from "../../../lib/client/reconnecting_executor.ts";
import type { OperationExecutor } from "../../../lib/client/executor.ts";
import { systemClock } from "../../../lib/clock.ts";
import { openExecutor } from "../resilience/support.ts";
import { keepingResults } from "../support/keeping_results.ts";
import { subscribeTo, subscribeToAll } from "../../../lib/client/subscriptions/subscription_api.ts";
import { admin, append, numbers, openStore, take } from "./support/store.ts";

/** A small seeded PRNG (mulberry32) so every run of the race tests is replayable. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

/** The memstore's storage, for in-process writes and checks. */
function storage(store: MemoryStore): StoreServices["storage"] {
  return (store as unknown as { services: StoreServices }).services.storage;
}

/** Appends in-process, bypassing every connection (so a dropped connection does not stop it). */
function appendDirect(store: MemoryStore, stream: string, count: number): void {
  storage(store).append(
    stream,
    -2n,
    Array.from({ length: count }, () => ({
      eventId: newGuid(),
      eventType: "direct",
      isJson: true,
      data: new TextEncoder().encode("{}"),
    })),
  );
}

/** A reconnecting executor whose connections are pipes to `store`. */
function reconnecting(
  store: MemoryStore,
  reconnection?: false,
): Promise<ReconnectingExecutor> {
  return openExecutor({
    endpoint: { hostname: "memstore", port: 1113 },
    dialer: () => Promise.resolve(store.connectPipe()),
    ...(reconnection === false && { reconnection }),
  });
}

/** The context of subscription calls over `executor`, without default credentials. */
function contextOver(executor: OperationExecutor): ClientContext {
  return {
    executor,
    calls: { credentials: undefined, requireLeader: true },
    clock: systemClock,
  };
}

/** Yields to the event loop `n` times (no timers): lets reads and pushes interleave. */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => queueMicrotask(resolve));
  await Promise.resolve();
}

Deno.test("subscribeTo() with startFrom delivers the history from that number, then live events", async () => {
  await using env = await openStore();
  await append(env.client, "orders", 5);
  await using subscription = await env.client.subscribeTo("orders", {
    startFrom: 2,
    batchSize: 2,
  });
  const reader = subscription.getReader();
  assert.deepEqual(numbers(await take(reader, 3)), [2, 3, 4]);
  await append(env.client, "orders", 3, "live");
  assert.deepEqual(numbers(await take(reader, 3)), [5, 6, 7]);
  assert.equal(subscription.lastEventNumber, 7n);
  reader.releaseLock();
});

Deno.test("a catch-up subscription on a stream that does not exist yet delivers it from its first event", async () => {
  await using env = await openStore();
  await using subscription = await env.client.subscribeTo("later", { startFrom: 0 });
  const reader = subscription.getReader();
  const first = reader.read();
  await append(env.client, "later", 2);
  assert.equal((await first).value?.eventNumber, 0n);
  assert.deepEqual(numbers(await take(reader, 1)), [1]);
  reader.releaseLock();
});

Deno.test("subscribeToAll() with startFrom delivers $all history then live events in position order", async () => {
  await using env = await openStore();
  await append(env.client, "a", 2);
  await append(env.client, "b", 2);
  await using subscription = await env.client.subscribeToAll({
    startFrom: Position.start,
    credentials: admin,
    batchSize: 3,
  });
  const reader = subscription.getReader();
  const history = await take(reader, 4);
  assert.deepEqual(history.map((e) => e.stream), ["a", "a", "b", "b"]);
  await append(env.client, "c", 1);
  const [live] = await take(reader, 1);
  assert.equal(live.stream, "c");
  const positions = [...history, live].map((e) => e.position!);
  for (let i = 1; i < positions.length; i++) {
    assert.ok(positions[i - 1].compareTo(positions[i]) < 0);
  }
  assert.ok(subscription.lastPosition!.equals(live.position!));
  reader.releaseLock();
});

Deno.test("a filtered catch-up subscribeToAll() delivers matching history and live events and checkpoints in order", async () => {
  await using env = await openStore();
  await append(env.client, "s", 3, "order-placed");
  await append(env.client, "s", 3, "noise", 3);
  const seen: string[] = [];
  await using subscription = await env.client.subscribeToAll({
    startFrom: Position.start,
    credentials: admin,
    filter: { on: "eventType", prefixes: ["order-"] },
    batchSize: 2,
    onCheckpoint: () => seen.push("checkpoint"),
  });
  const reader = subscription.getReader();
  for (let i = 0; i < 3; i++) seen.push((await take(reader, 1))[0].type);
  await append(env.client, "s", 1, "order-shipped", 6);
  seen.push((await take(reader, 1))[0].type);
  const events = seen.filter((s) => s !== "checkpoint");
  assert.deepEqual(events, ["order-placed", "order-placed", "order-placed", "order-shipped"]);
  // A checkpoint follows the history pages, never precedes the first event.
  assert.notEqual(seen[0], "checkpoint");
  assert.ok(seen.includes("checkpoint"));
  reader.releaseLock();
});

Deno.test("a catch-up subscription from 0 on a stream receiving concurrent appends during the switch delivers each event exactly once and in order (60 seeded runs)", async () => {
  for (let run = 0; run < 60; run++) {
    const random = prng(run + 1);
    await using env = await openStore();
    const writer = await env.connectAgain();
    try {
      const stream = `race-${run}`;
      const seeded = Math.floor(random() * 40);
      await append(writer, stream, seeded);
      const batches = 5 + Math.floor(random() * 10);
      let written = seeded;
      const writing = (async () => {
        for (let b = 0; b < batches; b++) {
          const size = 1 + Math.floor(random() * 6);
          await append(writer, stream, size, "concurrent", written);
          written += size;
          await turns(Math.floor(random() * 4));
        }
      })();
      await using subscription = await env.client.subscribeTo(stream, {
        startFrom: 0,
        batchSize: 1 + Math.floor(random() * 8),
        bufferSize: 4 + Math.floor(random() * 30),
      });
      const reader = subscription.getReader();
      const got: ResolvedEvent[] = [];
      await writing;
      while (got.length < written) {
        got.push(...await take(reader, 1));
        if (random() < 0.3) await turns(Math.floor(random() * 5));
      }
      assert.deepEqual(numbers(got), range(0, written), `run ${run}`);
      reader.releaseLock();
    } finally {
      await writer.close();
    }
  }
});

Deno.test("a catch-up subscription whose consumer falls behind stops reading: its queue never exceeds bufferSize", async () => {
  await using env = await openStore();
  await append(env.client, "big", 300);
  const subscription = await env.client.subscribeTo("big", {
    startFrom: 0,
    batchSize: 7,
    bufferSize: 10,
  }) as CatchUpSubscription;
  const reader = subscription.getReader();
  const got: ResolvedEvent[] = [];
  let maxBuffered = 0;
  while (got.length < 300) {
    got.push(...await take(reader, 1));
    if (got.length % 50 === 0) await append(env.client, "big-other", 1);
    await turns(3);
    maxBuffered = Math.max(maxBuffered, subscription.bufferedCount);
    assert.ok(subscription.bufferedCount <= 10, `buffered ${subscription.bufferedCount}`);
  }
  assert.deepEqual(numbers(got), range(0, 300));
  assert.ok(maxBuffered > 0, "the subscription read ahead at all");
  reader.releaseLock();
  await subscription.unsubscribe();
});

Deno.test("live events overflowing the bound drop the live subscription and fall back to reading, without gaps, duplicates or a drop", async () => {
  await using env = await openStore();
  await append(env.client, "flood", 4);
  let wentLive = Promise.withResolvers<void>();
  const subscription = await env.client.subscribeTo("flood", {
    startFrom: 0,
    bufferSize: 5,
    onLive: () => wentLive.resolve(),
  }) as CatchUpSubscription;
  const reader = subscription.getReader();
  assert.deepEqual(numbers(await take(reader, 4)), [0, 1, 2, 3]);
  await wentLive.promise;
  assert.equal(subscription.phase, "live");
  wentLive = Promise.withResolvers<void>();
  // The consumer stops; 40 live events arrive (pushed before the write's reply on this connection).
  await append(env.client, "flood", 40, "e", 4);
  assert.equal(subscription.phase, "reading");
  assert.equal(subscription.bufferedCount, 5);
  const got = await take(reader, 40);
  assert.deepEqual(numbers(got), range(4, 44));
  // And it goes live again.
  await wentLive.promise;
  const after = reader.read();
  await append(env.client, "flood", 1, "e", 44);
  assert.equal((await after).value?.eventNumber, 44n);
  assert.equal(subscription.phase, "live");
  reader.releaseLock();
  await subscription.unsubscribe();
  assert.equal((await subscription.dropped).reason, "unsubscribed");
});

Deno.test("a catch-up subscription without read access drops with access-denied", async () => {
  await using env = await openStore();
  const subscription = await env.client.subscribeToAll({ startFrom: Position.start });
  assert.equal((await subscription.dropped).reason, "access-denied");
  await assert.rejects(
    subscription.getReader().read(),
    (e) => e instanceof AccessDeniedError && e.dropReason === "access-denied",
  );
});

Deno.test("a catch-up subscription on a hard-deleted stream drops with not-found", async () => {
  await using env = await openStore();
  await append(env.client, "gone", 1);
  await env.client.deleteStream("gone", { hardDelete: true });
  const subscription = await env.client.subscribeTo("gone", { startFrom: 0 });
  assert.equal((await subscription.dropped).reason, "not-found");
});

Deno.test("a catch-up subscription on a connection that closes for good drops with connection-lost after delivering what it had", async () => {
  await using env = await openStore();
  await using connection = await reconnecting(env.store, false);
  const host = contextOver(connection);
  appendDirect(env.store, "s", 3);
  const subscription = await subscribeTo(host, "s", { startFrom: 0 });
  const reader = subscription.getReader();
  assert.deepEqual(numbers(await take(reader, 3)), [0, 1, 2]);
  env.store.dropConnections();
  assert.equal((await subscription.dropped).reason, "connection-lost");
  await assert.rejects(
    reader.read(),
    (e) => e instanceof SubscriptionDroppedError && e.reason === "connection-lost",
  );
  assert.equal(subscription.lastEventNumber, 2n);
});

Deno.test("a catch-up subscription on a reconnecting executor resumes after the connection drops, without gaps or duplicates", async () => {
  await using env = await openStore();
  await using executor = await reconnecting(env.store);
  const host = contextOver(executor);
  appendDirect(env.store, "s", 5);
  let live = Promise.withResolvers<void>();
  await using subscription = await subscribeTo(host, "s", {
    startFrom: 0,
    batchSize: 2,
    onLive: () => live.resolve(),
  });
  const reader = subscription.getReader();
  const got = await take(reader, 5);
  await live.promise;
  live = Promise.withResolvers<void>();
  env.store.dropConnections();
  appendDirect(env.store, "s", 3);
  got.push(...await take(reader, 3));
  await live.promise;
  appendDirect(env.store, "s", 2);
  got.push(...await take(reader, 2));
  assert.deepEqual(numbers(got), range(0, 10));
  reader.releaseLock();
});

Deno.test("after connection drops at random points a catch-up subscription on a reconnecting executor resumes from the last delivered event, without gaps or duplicates (30 seeded runs)", async () => {
  for (let run = 0; run < 30; run++) {
    const random = prng(1000 + run);
    await using env = await openStore();
    await using executor = await reconnecting(env.store);
    const host = contextOver(executor);
    const stream = `resume-${run}`;
    appendDirect(env.store, stream, Math.floor(random() * 30));
    const subscription = await subscribeTo(host, stream, {
      startFrom: 0,
      batchSize: 1 + Math.floor(random() * 6),
      bufferSize: 3 + Math.floor(random() * 10),
    });
    const reader = subscription.getReader();
    const got: ResolvedEvent[] = [];
    const drops = 1 + Math.floor(random() * 3);
    for (let d = 0; d < drops; d++) {
      const size = Math.floor(random() * 8);
      appendDirect(env.store, stream, size);
      // Consume a little, then drop every connection while events are in flight.
      const available = Number(storage(env.store).lastEventNumber(stream)) + 1 - got.length;
      const consume = Math.min(available, Math.floor(random() * 3));
      for (let i = 0; i < consume; i++) got.push(...await take(reader, 1));
      env.store.dropConnections();
      appendDirect(env.store, stream, Math.floor(random() * 5));
      await turns(Math.floor(random() * 5));
    }
    const total = Number(storage(env.store).lastEventNumber(stream)) + 1;
    while (got.length < total) got.push(...await take(reader, 1));
    assert.deepEqual(numbers(got), range(0, total), `run ${run}`);
    reader.releaseLock();
    await subscription.unsubscribe();
    assert.equal((await subscription.dropped).reason, "unsubscribed");
  }
});

Deno.test("a catch-up subscription to $all on a reconnecting executor resumes by position after a drop, without gaps or duplicates", async () => {
  await using env = await openStore();
  await using executor = await reconnecting(env.store);
  const host = { ...contextOver(executor), calls: { credentials: admin, requireLeader: true } };
  for (const stream of ["a", "b", "c"]) appendDirect(env.store, stream, 4);
  const subscription = await subscribeToAll(host, { startFrom: Position.start, batchSize: 5 });
  const reader = subscription.getReader();
  const got = await take(reader, 6);
  env.store.dropConnections();
  appendDirect(env.store, "d", 3);
  got.push(...await take(reader, 9));
  const keys = got.map((e) => `${e.stream}/${e.eventNumber}`);
  assert.equal(new Set(keys).size, 15, "no duplicates");
  assert.deepEqual(
    keys,
    ["a", "b", "c"].flatMap((s) => range(0, 4).map((n) => `${s}/${n}`))
      .concat(range(0, 3).map((n) => `d/${n}`)),
  );
  for (let i = 1; i < got.length; i++) {
    assert.ok(got[i - 1].position!.compareTo(got[i].position!) < 0);
  }
  reader.releaseLock();
  await subscription.unsubscribe();
});

Deno.test("a catch-up subscription takes each history page out of the finished read, so a read that stays reachable holds no events", async () => {
  await using env = await openStore();
  await using executor = await reconnecting(env.store);
  const { executor: spy, results: slices } = keepingResults(executor);
  appendDirect(env.store, "paged", 7);
  appendDirect(env.store, "$all-paged", 3);
  const got: ResolvedEvent[] = [];
  for (const [stream, startFrom] of [["paged", 0], ["", Position.start]] as const) {
    await using subscription = stream === ""
      ? await subscribeToAll({
        ...contextOver(spy),
        calls: { credentials: admin, requireLeader: true },
      }, {
        startFrom,
        batchSize: 2,
      })
      : await subscribeTo(contextOver(spy), stream, { startFrom, batchSize: 2 });
    const reader = subscription.getReader();
    got.push(...await take(reader, stream === "" ? 10 : 7));
    reader.releaseLock();
  }
  assert.deepEqual(numbers(got.slice(0, 7)), range(0, 7));
  assert.ok(slices.length >= 8, `${slices.length} history reads`);
  for (const [i, slice] of slices.entries()) {
    assert.equal(slice.length, 0, `read ${i} still holds ${slice.length} events`);
  }
});

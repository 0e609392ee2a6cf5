/**
 * Volatile (stream, $all, filtered) and persistent subscriptions survive a reconnect: they are
 * re-established on the new connection, report the gap, and deliver what is written afterwards.
 */
import assert from "node:assert/strict";
import type { SubscriptionGap } from "../../../lib/client/subscriptions/subscribe_operation.ts";
import { admin, append, numbers, openStore, take } from "./support/store.ts";

/** A promise of the next gap reported, and the callback that reports it. */
function gaps(): { next: () => Promise<SubscriptionGap>; report: (gap: SubscriptionGap) => void } {
  let waiting = Promise.withResolvers<SubscriptionGap>();
  return {
    next: () => waiting.promise,
    report: (gap) => {
      waiting.resolve(gap);
      waiting = Promise.withResolvers<SubscriptionGap>();
    },
  };
}

Deno.test("a volatile stream subscription is re-established after a reconnect and names the gap", async () => {
  await using env = await openStore({ reconnection: { delay: 0 } });
  const gap = gaps();
  await using subscription = await env.client.subscribeTo("orders", {
    onResubscribed: gap.report,
  });
  const reader = subscription.getReader();
  await append(env.client, "orders", 2);
  assert.deepEqual(numbers(await take(reader, 2)), [0, 1]);
  const resubscribed = gap.next();
  env.store.dropConnections();
  const missed = await resubscribed;
  assert.equal(missed.resubscriptions, 1);
  assert.equal(missed.lastEventNumber, 1n);
  assert.equal(missed.resumedAtEventNumber, 1n, "nothing was written during the gap");
  await append(env.client, "orders", 2, "after", 2);
  assert.deepEqual(numbers(await take(reader, 2)), [2, 3]);
  assert.equal(subscription.bufferedCount, 0);
});

Deno.test("events written while a volatile subscription had no connection are not delivered, and the gap says which", async () => {
  await using env = await openStore({ reconnection: { delay: 0 } });
  await using writer = await env.connectAgain();
  const gap = gaps();
  await using subscription = await env.client.subscribeTo("orders", {
    onResubscribed: gap.report,
  });
  const reader = subscription.getReader();
  await append(writer, "orders", 1);
  assert.deepEqual(numbers(await take(reader, 1)), [0]);
  // Cut only the subscriber's connection; the writer writes 1 and 2 while it reconnects.
  const resubscribed = gap.next();
  env.store.dropConnections();
  await append(writer, "orders", 2, "during", 1);
  const missed = await resubscribed;
  await append(writer, "orders", 1, "after", 3);
  const [next] = await take(reader, 1);
  assert.equal(missed.lastEventNumber, 0n);
  assert.ok(missed.resumedAtEventNumber !== undefined);
  // Whatever was written before the resubscription is in the gap, nothing after it is lost.
  assert.equal(next.originalEventNumber, missed.resumedAtEventNumber + 1n);
});

Deno.test("volatile $all and filtered $all subscriptions are re-established after a reconnect", async () => {
  await using env = await openStore({ credentials: admin, reconnection: { delay: 0 } });
  const allGap = gaps();
  const filteredGap = gaps();
  await using all = await env.client.subscribeToAll({ onResubscribed: allGap.report });
  await using filtered = await env.client.subscribeToAll({
    filter: { on: "streamId", prefixes: ["orders-"] },
    onResubscribed: filteredGap.report,
  });
  const allResubscribed = allGap.next();
  const filteredResubscribed = filteredGap.next();
  env.store.dropConnections();
  const [allMissed, filteredMissed] = await Promise.all([allResubscribed, filteredResubscribed]);
  assert.equal(allMissed.resumedAtEventNumber, undefined, "$all has no event number");
  assert.equal(typeof filteredMissed.resumedAtCommitPosition, "bigint");
  await append(env.client, "other-1", 1);
  await append(env.client, "orders-1", 1);
  const allReader = all.getReader();
  const seen: string[] = [];
  while (!seen.includes("orders-1")) {
    const { value } = await allReader.read();
    if (value && !value.originalStreamId.startsWith("$")) seen.push(value.originalStreamId);
  }
  assert.deepEqual(seen, ["other-1", "orders-1"]);
  const [event] = await take(filtered.getReader(), 1);
  assert.equal(event.originalStreamId, "orders-1");
});

Deno.test("a persistent subscription is connected again after a reconnect and gets new events", async () => {
  await using env = await openStore({ credentials: admin, reconnection: { delay: 0 } });
  await env.client.createSubscription("workers", "jobs", { startFrom: 0 });
  const gap = gaps();
  await using subscription = await env.client.connectSubscription("workers", "jobs", {
    autoAck: false,
    onResubscribed: gap.report,
  });
  const reader = subscription.getReader();
  await append(env.client, "jobs", 1);
  const [first] = await take(reader, 1);
  await subscription.ack(first);
  const resubscribed = gap.next();
  env.store.dropConnections();
  const missed = await resubscribed;
  assert.equal(missed.resubscriptions, 1);
  assert.equal(missed.lastEventNumber, 0n);
  await append(env.client, "jobs", 1, "after", 1);
  // An ack still in flight when the connection died is lost with it: the server redelivers.
  const delivered = [];
  for (;;) {
    const [event] = await take(reader, 1);
    delivered.push(event.originalEventNumber);
    await subscription.ack(event);
    if (event.originalEventNumber === 1n) break;
  }
  assert.deepEqual(delivered.filter((n) => n !== 0n), [1n], "only redeliveries of 0 before 1");
});

Deno.test("a resubscribing subscription drops with connection-lost when the client closes during the gap", async () => {
  await using env = await openStore({ reconnection: { delay: 60_000 } });
  const subscription = await env.client.subscribeTo("orders");
  env.store.dropConnections();
  await new Promise<void>((resolve) => {
    const stop = env.client.watch((state) => {
      if (state.status === "reconnecting") {
        stop();
        resolve();
      }
    });
  });
  await env.client.close();
  assert.equal((await subscription.dropped).reason, "connection-lost");
});

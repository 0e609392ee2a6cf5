import assert from "node:assert/strict";
import type { Client } from "../../../lib/client/client.ts";
import type { ResolvedEvent } from "../../../lib/client/resolved_event.ts";
import { PersistentSubscriptionError, SubscriptionDroppedError } from "../../../lib/errors.ts";
import type { PersistentSubscription } from "../../../lib/client/subscriptions/persistent_subscription.ts";
import { AccessDeniedError } from "../../../lib/errors.ts";
import { ManualClock } from "../../support/manual_clock.ts";
import { admin, append, numbers, openStore, take } from "./support/store.ts";

const ops = { username: "ops", password: "changeit" };

async function parked(client: Client, stream: string, group: string): Promise<number[]> {
  try {
    const slice = await client.get(`$persistentsubscription-${stream}::${group}-parked`, {
      credentials: admin,
    });
    return slice.map((e) => Number(e.eventNumber));
  } catch {
    return [];
  }
}

/** Reads one event and checks its number and retry count. */
async function expectNext(
  reader: ReadableStreamDefaultReader<ResolvedEvent>,
  eventNumber: number,
  retryCount: number,
): Promise<ResolvedEvent> {
  const [event] = await take(reader, 1);
  assert.deepEqual([Number(event.eventNumber), event.retryCount], [eventNumber, retryCount]);
  return event;
}

/**
 * Proves nothing else is pending for a consumer: a fresh event appended now is the next one it
 * gets (events are dispatched in order, retries first).
 */
async function expectNothingPendingBefore(
  client: Client,
  reader: ReadableStreamDefaultReader<ResolvedEvent>,
  stream: string,
  next: number,
): Promise<ResolvedEvent> {
  await append(client, stream, 1, "marker", next);
  return await expectNext(reader, next, 0);
}

Deno.test("createSubscription() then connectSubscription() delivers the stream from startFrom with retryCount 0; acked events are not redelivered", async () => {
  await using env = await openStore({ credentials: admin });
  await append(env.client, "jobs", 3);
  await env.client.createSubscription("g", "jobs", { startFrom: 0 });
  const first = await env.client.connectSubscription("g", "jobs", { autoAck: false });
  assert.equal(first.subscriptionId, "jobs::g");
  const reader = first.getReader();
  const events = await take(reader, 3);
  assert.deepEqual(numbers(events), [0, 1, 2]);
  assert.ok(events.every((e) => e.retryCount === 0));
  await first.ack(events);
  reader.releaseLock();
  await first.unsubscribe();
  await using second = await env.client.connectSubscription("g", "jobs", { autoAck: false });
  const reader2 = second.getReader();
  await expectNothingPendingBefore(env.client, reader2, "jobs", 3);
  reader2.releaseLock();
});

Deno.test("nack(retry) redelivers the event with retryCount + 1", async () => {
  await using env = await openStore({ credentials: admin });
  await append(env.client, "jobs", 1);
  await env.client.createSubscription("g", "jobs", { startFrom: 0 });
  await using subscription = await env.client.connectSubscription("g", "jobs", { autoAck: false });
  const reader = subscription.getReader();
  const event = await expectNext(reader, 0, 0);
  await subscription.nack(event, "retry", "try again");
  const again = await expectNext(reader, 0, 1);
  await subscription.ack(again);
  await expectNothingPendingBefore(env.client, reader, "jobs", 1);
  reader.releaseLock();
});

Deno.test("nack(park) parks the event at once: not redelivered, written to the parked stream", async () => {
  await using env = await openStore({ credentials: admin });
  await append(env.client, "jobs", 1);
  await env.client.createSubscription("g", "jobs", { startFrom: 0 });
  await using subscription = await env.client.connectSubscription("g", "jobs", { autoAck: false });
  const reader = subscription.getReader();
  await subscription.nack(await expectNext(reader, 0, 0), "park", "poison");
  await expectNothingPendingBefore(env.client, reader, "jobs", 1);
  assert.deepEqual(await parked(env.client, "jobs", "g"), [0]);
  reader.releaseLock();
});

Deno.test("nack(skip) drops the event: neither redelivered nor parked", async () => {
  await using env = await openStore({ credentials: admin });
  await append(env.client, "jobs", 1);
  await env.client.createSubscription("g", "jobs", { startFrom: 0 });
  await using subscription = await env.client.connectSubscription("g", "jobs", { autoAck: false });
  const reader = subscription.getReader();
  await subscription.nack(await expectNext(reader, 0, 0), "skip");
  await expectNothingPendingBefore(env.client, reader, "jobs", 1);
  assert.deepEqual(await parked(env.client, "jobs", "g"), []);
  reader.releaseLock();
});

// Nak Stop: the real server's Stop handler is an empty TODO, but NotAcknowledgeMessagesProcessed
// then calls RemoveProcessingMessages, which removes the id from the outstanding messages (every
// version, 5.x to 23.x). So a stopped event is released like a skipped one: no redelivery when its
// message timeout passes, and nothing is parked.
Deno.test("nack(stop) releases the event as the real server does: no redelivery after the message timeout", async () => {
  const clock = new ManualClock();
  await using env = await openStore({ credentials: admin }, { clock, heartbeat: false });
  await append(env.client, "jobs", 1);
  await env.client.createSubscription("g", "jobs", { startFrom: 0, messageTimeout: 1000 });
  await using subscription = await env.client.connectSubscription("g", "jobs", { autoAck: false });
  const reader = subscription.getReader();
  await subscription.nack(await expectNext(reader, 0, 0), "stop");
  await env.client.ping(); // the nak has reached the server
  clock.advance(5000); // well past the message timeout
  // Had event 0 stayed outstanding, its redelivery would arrive before this marker.
  await subscription.ack(await expectNothingPendingBefore(env.client, reader, "jobs", 1));
  assert.deepEqual(await parked(env.client, "jobs", "g"), []);
  reader.releaseLock();
});

Deno.test("an unacknowledged event is redelivered after the message timeout with retryCount + 1", async () => {
  const clock = new ManualClock();
  await using env = await openStore({ credentials: admin }, { clock, heartbeat: false });
  await append(env.client, "jobs", 1);
  await env.client.createSubscription("g", "jobs", { startFrom: 0, messageTimeout: 500 });
  await using subscription = await env.client.connectSubscription("g", "jobs", { autoAck: false });
  const reader = subscription.getReader();
  await expectNext(reader, 0, 0);
  clock.advance(1000);
  await expectNext(reader, 0, 1);
  reader.releaseLock();
});

Deno.test("an event that keeps failing is parked after maxRetryCount retries", async () => {
  await using env = await openStore({ credentials: admin });
  await append(env.client, "jobs", 1);
  await env.client.createSubscription("g", "jobs", { startFrom: 0, maxRetryCount: 2 });
  await using subscription = await env.client.connectSubscription("g", "jobs", { autoAck: false });
  const reader = subscription.getReader();
  for (let retry = 0; retry <= 2; retry++) {
    await subscription.nack(await expectNext(reader, 0, retry), "retry");
  }
  await expectNothingPendingBefore(env.client, reader, "jobs", 1);
  assert.deepEqual(await parked(env.client, "jobs", "g"), [0]);
  reader.releaseLock();
});

Deno.test("a RoundRobin group spreads events over two consumers, each event to exactly one", async () => {
  await using env = await openStore({ credentials: admin });
  await env.client.createSubscription("g", "jobs", {
    startFrom: 0,
    consumerStrategy: "RoundRobin",
  });
  await using a = await env.client.connectSubscription("g", "jobs", { autoAck: false });
  await using b = await env.client.connectSubscription("g", "jobs", { autoAck: false });
  await append(env.client, "jobs", 6);
  const readerA = a.getReader();
  const readerB = b.getReader();
  const gotA = await take(readerA, 3);
  const gotB = await take(readerB, 3);
  assert.deepEqual(
    [...numbers(gotA), ...numbers(gotB)].sort((x, y) => x - y),
    [0, 1, 2, 3, 4, 5],
  );
  assert.equal(a.bufferedCount + b.bufferedCount, 0);
  readerA.releaseLock();
  readerB.releaseLock();
});

Deno.test("autoAck acknowledges each event once the loop body finished; leaving the loop early naks the event in hand with retry", async () => {
  await using env = await openStore({ credentials: admin });
  await append(env.client, "jobs", 3);
  await env.client.createSubscription("g", "jobs", { startFrom: 0 });
  const first = await env.client.connectSubscription("g", "jobs", { bufferSize: 1 });
  const seen: number[] = [];
  for await (const event of first) {
    seen.push(Number(event.eventNumber));
    if (seen.length === 2) break;
  }
  assert.deepEqual(seen, [0, 1]);
  assert.equal((await first.dropped).reason, "unsubscribed");
  await using second = await env.client.connectSubscription("g", "jobs", { autoAck: false });
  const reader = second.getReader();
  // 0 was acknowledged; 1 was nacked with retry; 2 was never delivered.
  const [retried, fresh] = await take(reader, 2);
  assert.deepEqual([Number(retried.eventNumber), retried.retryCount], [1, 1]);
  assert.deepEqual([Number(fresh.eventNumber), fresh.retryCount], [2, 0]);
  reader.releaseLock();
});

Deno.test("autoAck: an error thrown in the loop body naks that event with retry; earlier events stay acknowledged", async () => {
  await using env = await openStore({ credentials: admin });
  await append(env.client, "jobs", 2);
  await env.client.createSubscription("g", "jobs", { startFrom: 0 });
  const first = await env.client.connectSubscription("g", "jobs", { bufferSize: 1 });
  await assert.rejects(
    (async () => {
      for await (const event of first) {
        if (event.eventNumber === 1n) throw new Error("handler failed");
      }
    })(),
    /handler failed/,
  );
  assert.equal((await first.dropped).reason, "unsubscribed");
  await using second = await env.client.connectSubscription("g", "jobs", { autoAck: false });
  const reader = second.getReader();
  await expectNext(reader, 1, 1);
  await expectNothingPendingBefore(env.client, reader, "jobs", 2);
  reader.releaseLock();
});

Deno.test("connectSubscription() to a missing group rejects with not-found", async () => {
  await using env = await openStore({ credentials: admin });
  const error = await env.client.connectSubscription("nope", "jobs").then(
    () => assert.fail("expected a rejection"),
    (e) => e,
  );
  assert.ok(error instanceof SubscriptionDroppedError);
  assert.equal(error.reason, "not-found");
});

Deno.test("connecting beyond maxSubscriberCount rejects with subscriber-max-count-reached", async () => {
  await using env = await openStore({ credentials: admin });
  await env.client.createSubscription("g", "jobs", { maxSubscriberCount: 1 });
  await using _first = await env.client.connectSubscription("g", "jobs");
  const error = await env.client.connectSubscription("g", "jobs").then(
    () => assert.fail("expected a rejection"),
    (e) => e,
  );
  assert.ok(error instanceof SubscriptionDroppedError);
  assert.equal(error.reason, "subscriber-max-count-reached");
});

Deno.test("connectSubscription() without read access rejects with access-denied", async () => {
  await using env = await openStore({ credentials: admin });
  await env.client.setStreamMetadata("jobs", { acl: { readRoles: ["$admins"] } });
  await env.client.createSubscription("g", "jobs");
  const error = await env.client.connectSubscription("g", "jobs", { credentials: ops }).then(
    () => assert.fail("expected a rejection"),
    (e) => e,
  );
  assert.ok(error instanceof AccessDeniedError, String(error));
  assert.equal(error.dropReason, "access-denied");
  assert.equal(error.stream, "jobs");
});

Deno.test("deleting a group drops its consumers as the real server does (Unsubscribed)", async () => {
  await using env = await openStore({ credentials: admin });
  await env.client.createSubscription("g", "jobs");
  const subscription: PersistentSubscription = await env.client.connectSubscription("g", "jobs");
  await env.client.deleteSubscription("g", "jobs");
  assert.equal((await subscription.dropped).reason, "unsubscribed");
});

Deno.test("group management errors: already-exists, does-not-exist, bad settings", async () => {
  await using env = await openStore({ credentials: admin });
  await env.client.createSubscription("g", "jobs");
  await assert.rejects(
    env.client.createSubscription("g", "jobs"),
    (e) => e instanceof PersistentSubscriptionError && e.result === "already-exists",
  );
  await assert.rejects(
    env.client.updateSubscription("missing", "jobs"),
    (e) => e instanceof PersistentSubscriptionError && e.result === "does-not-exist",
  );
  await assert.rejects(
    env.client.deleteSubscription("missing", "jobs"),
    (e) => e instanceof PersistentSubscriptionError && e.result === "does-not-exist",
  );
  await assert.rejects(
    env.client.createSubscription("h", "jobs", { consumerStrategy: "Random" as never }),
    TypeError,
  );
  await assert.rejects(env.client.createSubscription("h", "jobs", { startFrom: -2 }), RangeError);
  await assert.rejects(env.client.connectSubscription("", "jobs"), TypeError);
});

Deno.test("createSubscription() by a user who is neither admin nor operator rejects with AccessDeniedError", async () => {
  await using env = await openStore();
  await assert.rejects(env.client.createSubscription("g", "jobs"), AccessDeniedError);
});

Deno.test("a persistent consumer slower than the message timeout is dropped with consumer-too-slow instead of buffering redeliveries", async () => {
  const clock = new ManualClock();
  await using env = await openStore({ credentials: admin }, { clock, heartbeat: false });
  await append(env.client, "jobs", 1);
  await env.client.createSubscription("g", "jobs", { startFrom: 0, messageTimeout: 100 });
  const subscription = await env.client.connectSubscription("g", "jobs", { bufferSize: 1 });
  // The consumer never reads: each timeout makes the server send the message again.
  await subscription.ack([]); // a round trip: the first delivery has arrived
  assert.equal(subscription.bufferedCount, 1);
  clock.advance(2000); // past the timeout and the group's timer tick
  assert.equal((await subscription.dropped).reason, "consumer-too-slow");
  assert.ok(subscription.bufferedCount <= 1);
});

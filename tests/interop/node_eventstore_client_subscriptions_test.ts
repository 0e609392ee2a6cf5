/**
 * The independent referee: node-eventstore-client 23.10.1 (a port of the official .NET TCP
 * client) under Node.js against the memstore, and against a real EventStore when EVENTSTORE_URL
 * is set. This file: volatile, catch-up and persistent subscriptions.
 * Expected values come from docs/protocol.md §4 (server semantics) and §6 (client behaviour), never
 * from what the memstore happens to answer.
 */

import assert from "node:assert/strict";
import { assertIncreasing, LONG_MAX, parseExact, range } from "./assertions.ts";
import { interopTest, type ScenarioResult } from "./harness.ts";

// ---------------------------------------------------------------------------------------------
// Volatile subscriptions (docs/protocol.md §4.13)

interopTest(
  "subscribeToStream confirms with the last event number, pushes only new events of that stream, unsubscribes",
  "subscriptions.mjs",
  "stream",
  (r) => {
    assert.equal(r.confirmation.isSubscribedToAll, false);
    assert.equal(r.confirmation.streamId, r.stream);
    assert.equal(r.confirmation.lastEventNumber, 1);
    assert.deepEqual(
      r.received.map((e: ScenarioResult) => e.originalEventNumber),
      [2, 3, 4],
    );
    assert.deepEqual(
      r.received.map((e: ScenarioResult) => e.event.id),
      r.liveIds,
    );
    for (const e of r.received) assert.equal(e.originalStreamId, r.stream);
    assertIncreasing(
      r.received.map((e: ScenarioResult) => e.position),
      "pushed positions",
    );
    assert.deepEqual(r.drop, { reason: "userInitiated", error: null });
  },
);

interopTest(
  "subscribeToAll (admin) pushes every new event in commit order with the positions $all reads report",
  "subscriptions.mjs",
  "all",
  (r) => {
    const [a] = r.streams;
    assert.equal(r.confirmation.isSubscribedToAll, true);
    const keys = (list: ScenarioResult[]) =>
      list.map((e) =>
        `${(e.originalStreamId ?? e.stream) === a ? "a" : "b"}${e.originalEventNumber ?? e.number}`
      );
    assert.deepEqual(keys(r.received), ["a0", "a1", "b0", "a2"]);
    assert.deepEqual(keys(r.read), ["a0", "a1", "b0", "a2"]);
    assert.deepEqual(
      r.received.map((e: ScenarioResult) => e.position),
      r.read.map((e: ScenarioResult) => e.position),
    );
    assert.deepEqual(
      r.received.map((e: ScenarioResult) => e.event.id),
      r.read.map((e: ScenarioResult) => e.id),
    );
    for (const e of r.received) {
      assert.ok(
        BigInt(e.position.commit) > BigInt(r.confirmation.lastCommitPosition),
        "pushed events come after the confirmed position",
      );
    }
  },
);

interopTest(
  "subscribeToAll without admin rights (anonymous, ops) is refused with access denied",
  "subscriptions.mjs",
  "all_access_denied",
  (r) => {
    for (const who of ["anonymous", "ops"]) {
      assert.equal(
        r[who].subscribed,
        undefined,
        `${who} must not subscribe to $all`,
      );
      assert.match(r[who].error.message, /access denied/i, who);
    }
  },
);

interopTest(
  "subscribeToStream's confirmation reports the last event number and a commit position at or after the last write",
  "subscriptions.mjs",
  "confirmation_positions",
  (r) => {
    assert.equal(r.lastEventNumber, 2);
    assert.ok(BigInt(r.lastCommitPosition) >= BigInt(r.writePosition.commit));
  },
);

interopTest(
  "subscribeToStream with resolveLinkTos pushes a $> link resolved to its target event",
  "subscriptions.mjs",
  "resolve_links",
  (r) => {
    assert.equal(r.received.length, 1);
    const [e] = r.received;
    assert.equal(e.isResolved, true);
    assert.equal(e.event.stream, r.target);
    assert.equal(e.event.number, 1);
    assert.equal(e.event.id, r.targetIds[1]);
    assert.equal(e.link.stream, r.links);
    assert.equal(e.link.number, 0);
    assert.equal(e.link.id, r.linkId);
    assert.equal(e.originalStreamId, r.links);
  },
);

interopTest(
  "subscribeToAll also pushes metadata events: a setStreamMetadataRaw and a soft delete's {$tb: 2^63-1}",
  "subscriptions.mjs",
  "all_metadata_events",
  (r) => {
    assert.deepEqual(r.received.map((e: ScenarioResult) => [e.stream, e.number, e.type]), [
      [`$$${r.stream}`, 0, "$metadata"],
      [`$$${r.stream}`, 1, "$metadata"],
    ]);
    assert.deepEqual(JSON.parse(r.received[0].data), { custom: 1 });
    assert.deepEqual(parseExact(r.received[1].data), { $tb: LONG_MAX });
  },
);

// ---------------------------------------------------------------------------------------------
// Catch-up subscriptions (docs/protocol.md §6.5)

function assertCatchUp(
  r: ScenarioResult,
  numbers: number[],
  liveAt: number,
): void {
  assert.deepEqual(
    r.sequence.map((e: ScenarioResult) => e.number),
    numbers,
    "exact sequence, no gaps or duplicates",
  );
  assert.equal(
    new Set(r.sequence.map((e: ScenarioResult) => e.id)).size,
    numbers.length,
  );
  assert.equal(r.liveAt, liveAt, "live processing starts after the history");
  assert.equal(r.drop.reason, "userInitiated");
}

interopTest(
  "subscribeToStreamFrom(null) delivers 5 history events (batches of 2) then 3 live events, each exactly once",
  "catch_up.mjs",
  "stream_from_start",
  (r) => {
    assertCatchUp(r, range(0, 7), 5);
    assert.deepEqual(
      r.sequence.map((e: ScenarioResult) => e.index),
      range(0, 7),
    );
  },
);

interopTest(
  "subscribeToStreamFrom(2) delivers only events after 2, then live ones",
  "catch_up.mjs",
  "stream_from_checkpoint",
  (r) => assertCatchUp(r, [3, 4, 5], 2),
);

interopTest(
  "subscribeToStreamFrom on a missing stream goes live and delivers the stream's creation",
  "catch_up.mjs",
  "stream_missing",
  (r) => assertCatchUp(r, [0, 1], 0),
);

interopTest(
  "subscribeToAllFrom(position) delivers the events after that position, then live ones, in position order",
  "catch_up.mjs",
  "all_from_position",
  (r) => {
    assertCatchUp(r, [0, 1, 2, 3, 4], 3);
    assertIncreasing(
      r.sequence.map((e: ScenarioResult) => e.position),
      "catch-up positions",
    );
  },
);

interopTest(
  "subscribeToStreamFrom delivers events appended while it reads the history exactly once, in order",
  "catch_up.mjs",
  "stream_writes_during_catch_up",
  (r) => {
    assert.deepEqual(r.sequence.map((e: ScenarioResult) => e.number), range(0, 9));
    assert.deepEqual(r.sequence.map((e: ScenarioResult) => e.index), range(0, 9));
    assert.equal(r.drop.reason, "userInitiated");
  },
);

// ---------------------------------------------------------------------------------------------
// Persistent subscriptions (docs/protocol.md §4.14)

interopTest(
  "createPersistentSubscription, then connectToPersistentSubscription with auto-ack delivers history and live events in order",
  "persistent.mjs",
  "create_connect_ack",
  (r) => {
    assert.deepEqual(r.created, { value: "success" });
    assert.match(
      r.again.error?.message ?? "",
      /already exists/,
      JSON.stringify(r.again),
    );
    assert.deepEqual(r.deliveries.map((d: ScenarioResult) => d.number), [
      0,
      1,
      2,
      3,
      4,
    ]);
    for (const d of r.deliveries) assert.equal(d.stream, r.stream);
    assert.equal(r.drop.reason, "userInitiated");
    assert.deepEqual(r.deleted, { value: "success" });
  },
);

interopTest(
  "persistent subscription nak Retry redelivers the event and nak Park writes it to the parked stream",
  "persistent.mjs",
  "nak_retry_park",
  (r) => {
    const count = (n: number) => r.deliveries.filter((d: ScenarioResult) => d.number === n).length;
    assert.equal(r.deliveries[0].number, 0);
    assert.equal(
      count(0),
      2,
      "event 0: first delivery, one redelivery after Retry",
    );
    assert.equal(count(1), 1, "event 1: delivered once and acked");
    assert.equal(
      r.deliveries.find((d: ScenarioResult) => d.number === 0).id,
      r.ids[0],
    );
    assert.equal(r.parked.status, "success");
    assert.deepEqual(r.parked.events, [{ type: "$>", data: `0@${r.stream}` }]);
  },
);

interopTest(
  "connectToPersistentSubscription to a group that does not exist is refused",
  "persistent.mjs",
  "connect_missing_group",
  (r) => {
    assert.equal(r.connected, undefined);
    assert.match(r.error.message, /not found/i);
  },
);

interopTest(
  "deletePersistentSubscription succeeds once, then reports the group missing",
  "persistent.mjs",
  "delete_group",
  (r) => {
    assert.deepEqual(r.first, { value: "success" });
    assert.match(
      r.second.error?.message ?? "",
      /does not exist/,
      JSON.stringify(r.second),
    );
    assert.match(
      r.connectAfter.error?.message ?? "",
      /not found/i,
      JSON.stringify(r.connectAfter),
    );
  },
);

interopTest(
  "a persistent subscription with maxRetryCount 1 delivers a failing event twice, then parks it and moves on",
  "persistent.mjs",
  "retry_limit_parks",
  (r) => {
    assert.equal(r.deliveriesWhenParked, 2, "retry counts 0 and 1, then parked");
    assert.deepEqual(r.deliveries.map((d: ScenarioResult) => d.number), [0, 0, 1]);
    assert.deepEqual(r.parked, [{ type: "$>", data: `0@${r.stream}` }]);
  },
);

interopTest(
  "two consumers of a round-robin persistent subscription group each get half of the events, none twice",
  "persistent.mjs",
  "competing_consumers",
  (r) => {
    const all = [...r.one, ...r.two].sort((x: number, y: number) => x - y);
    assert.deepEqual(all, range(0, 9), "every event delivered exactly once");
    assert.equal(r.one.length, 5, `round robin: ${JSON.stringify(r)}`);
    assert.equal(r.two.length, 5, `round robin: ${JSON.stringify(r)}`);
  },
);

interopTest(
  "creating or deleting a persistent subscription group anonymously is denied; ops may create",
  "persistent.mjs",
  "create_access_denied",
  (r) => {
    assert.match(r.anonymous.error?.message ?? "", /access denied/i, JSON.stringify(r.anonymous));
    assert.deepEqual(r.ops, { value: "success" });
    assert.match(
      r.deleteAnonymous.error?.message ?? "",
      /access denied/i,
      JSON.stringify(r.deleteAnonymous),
    );
  },
);

interopTest(
  "persistent subscription groups: startFrom -1 skips history, max subscriber count refuses a second consumer, update and delete drop consumers",
  "persistent.mjs",
  "group_lifecycle",
  (r) => {
    assert.deepEqual(r.firstNumbers, [2], "live only: events 0..1 were written before the group");
    assert.equal(r.second.connected, undefined, "a second consumer must be refused");
    assert.equal(r.second.error.message, "Maximum subscribers reached.");
    assert.deepEqual(r.updated, { value: "success" });
    // The server drops consumers of an updated group with Unsubscribed (docs/protocol.md §4.14),
    // which NEC reports as userInitiated.
    assert.deepEqual(r.firstDrop, { reason: "userInitiated", error: null });
    assert.match(
      r.updateMissing.error?.message ?? "",
      /does not exist/,
      JSON.stringify(r.updateMissing),
    );
    assert.deepEqual(r.deleted, { value: "success" });
    assert.deepEqual(r.thirdDrop, { reason: "userInitiated", error: null });
  },
);

interopTest(
  "a persistent subscription redelivers a message that was neither acked nor nakked within the message timeout",
  "persistent.mjs",
  "message_timeout",
  (r) => {
    assert.deepEqual(r.deliveries.map((d: ScenarioResult) => d.number), [0, 0]);
    assert.equal(r.deliveries[0].id, r.deliveries[1].id);
  },
);

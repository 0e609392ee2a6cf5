import assert from "node:assert/strict";
import {
  checkpointEvent,
  checkpointStreamMetadataEvent,
  checkpointStreamName,
  parkedMessageEvent,
  parkedStreamName,
  subscriptionId,
} from "../../../lib/memstore/persistent/group_stream_names.ts";

const text = new TextDecoder();

Deno.test("group stream names follow $persistentsubscription-<stream>::<group>-…", () => {
  assert.equal(subscriptionId("orders", "billing"), "orders::billing");
  assert.equal(
    checkpointStreamName("orders", "billing"),
    "$persistentsubscription-orders::billing-checkpoint",
  );
  assert.equal(
    parkedStreamName("orders", "billing"),
    "$persistentsubscription-orders::billing-parked",
  );
});

Deno.test("checkpoint events: SubscriptionCheckpoint with the number as JSON; $maxCount 2", () => {
  const cp = checkpointEvent(41n);
  assert.deepEqual([cp.eventType, text.decode(cp.data), cp.isJson], [
    "SubscriptionCheckpoint",
    "41",
    true,
  ]);
  assert.deepEqual(JSON.parse(text.decode(checkpointStreamMetadataEvent().data)), { $maxCount: 2 });
});

Deno.test("parked events are $> links whose metadata escapes the reason as JSON", () => {
  const e = parkedMessageEvent("3@s", 'say "no"\n', 3n, new Date(0));
  assert.equal(e.eventType, "$>");
  assert.equal(text.decode(e.data), "3@s");
  assert.deepEqual(JSON.parse(text.decode(e.metadata)), {
    added: "1970-01-01T00:00:00.000Z",
    reason: 'say "no"\n',
    subscriptionEventNumber: 3,
  });
});

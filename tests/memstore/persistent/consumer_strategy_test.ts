import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { EventRecordSchema } from "../../../gen/client_messages_pb.ts";
import { createConsumerStrategy } from "../../../lib/memstore/persistent/consumer_strategy.ts";
import type { GroupEvent } from "../../../lib/memstore/persistent/group_event.ts";
import { PersistentClient } from "../../../lib/memstore/persistent/persistent_client.ts";
import { bucketOf } from "../../../lib/memstore/persistent/pinned_strategy.ts";
import { guidToBytes } from "../../../lib/wire/guid.ts";
import { testId } from "./fake_group_storage.ts";

let nextId = 1;
function entry(stream = "s", metadata = ""): GroupEvent {
  return {
    event: create(EventRecordSchema, {
      eventStreamId: stream,
      eventNumber: BigInt(nextId),
      eventId: guidToBytes(testId(nextId++)),
      eventType: "t",
      metadata: new TextEncoder().encode(metadata),
    }),
  };
}

function client(name: string, maxInFlight: number): PersistentClient {
  return new PersistentClient({
    connectionId: name,
    correlationId: name,
    maxInFlight,
    sink: { deliver() {}, dropped() {} },
  });
}

function sentTo(result: ReturnType<ReturnType<typeof createConsumerStrategy>["push"]>): string {
  return result.kind === "sent" ? result.client.connectionId : result.kind;
}

Deno.test("RoundRobin rotates and passes over full clients", () => {
  const strategy = createConsumerStrategy("RoundRobin");
  const [a, b, c] = [client("a", 1), client("b", 5), client("c", 5)];
  for (const x of [a, b, c]) strategy.clientAdded(x);
  const order = Array.from({ length: 5 }, () => sentTo(strategy.push(entry())));
  assert.deepEqual(order, ["a", "b", "c", "b", "c"]);
  strategy.clientRemoved(b);
  assert.deepEqual([sentTo(strategy.push(entry())), sentTo(strategy.push(entry()))], ["c", "c"]);
  assert.equal(sentTo(strategy.push(entry())), "c");
  assert.equal(sentTo(strategy.push(entry())), "no-capacity");
});

Deno.test("DispatchToSingle stays on one client until it is full", () => {
  const strategy = createConsumerStrategy("DispatchToSingle");
  const [a, b] = [client("a", 2), client("b", 2)];
  strategy.clientAdded(a);
  strategy.clientAdded(b);
  const order = Array.from({ length: 5 }, () => sentTo(strategy.push(entry())));
  assert.deepEqual(order, ["a", "a", "b", "b", "no-capacity"]);
});

Deno.test("Pinned keeps a stream on its client and skips (not blocks) when that client is full", () => {
  const strategy = createConsumerStrategy("Pinned");
  const [a, b] = [client("a", 1), client("b", 10)];
  strategy.clientAdded(a);
  strategy.clientAdded(b);
  const first = sentTo(strategy.push(entry("orders-1")));
  const other = ["orders-2", "orders-3", "orders-4", "orders-5"].find((s) =>
    bucketOf(s) !== bucketOf("orders-1")
  )!;
  const second = sentTo(strategy.push(entry(other)));
  assert.notEqual(first, second, "the second bucket goes to the less loaded client");
  assert.equal(first, "a");
  assert.equal(sentTo(strategy.push(entry("orders-1"))), "skipped");
  assert.equal(sentTo(strategy.push(entry(other))), "b");
  strategy.clientRemoved(a);
  assert.equal(sentTo(strategy.push(entry("orders-1"))), "b", "reassigned after its client left");
});

Deno.test("PinnedByCorrelation pins by $correlationId from the metadata", () => {
  const strategy = createConsumerStrategy("PinnedByCorrelation");
  const [a, b] = [client("a", 50), client("b", 50)];
  strategy.clientAdded(a);
  strategy.clientAdded(b);
  const owners = new Map<string, string>();
  for (let i = 0; i < 40; i++) {
    const correlation = `c-${i % 8}`;
    const got = sentTo(
      strategy.push(entry(`s-${i}`, JSON.stringify({ $correlationId: correlation }))),
    );
    assert.equal(owners.get(correlation) ?? got, got, `${correlation} moved`);
    owners.set(correlation, got);
  }
  assert.ok(new Set(owners.values()).size === 2, "both clients used");
});

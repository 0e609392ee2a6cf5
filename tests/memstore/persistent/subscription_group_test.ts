import assert from "node:assert/strict";
import { PersistentSubscriptionNakEvents_NakAction as NakAction } from "../../../gen/client_messages_pb.ts";
import { type GroupEvent, messageId } from "../../../lib/memstore/persistent/group_event.ts";
import {
  DEFAULT_GROUP_SETTINGS,
  type GroupSettings,
} from "../../../lib/memstore/persistent/group_settings.ts";
import { clientKey } from "../../../lib/memstore/persistent/persistent_client.ts";
import { SubscriptionGroup, TICK_MS } from "../../../lib/memstore/persistent/subscription_group.ts";
import { bytesToGuid } from "../../../lib/wire/guid.ts";
import { FakeGroupStorage } from "./fake_group_storage.ts";
import { ManualClock } from "../../support/manual_clock.ts";

const CHECKPOINT = "$persistentsubscription-s::g-checkpoint";
const PARKED = "$persistentsubscription-s::g-parked";

interface Delivery {
  readonly n: number;
  readonly id: string;
  readonly retryCount: number;
  readonly entry: GroupEvent;
}

class Consumer {
  readonly deliveries: Delivery[] = [];
  drops = 0;
  readonly key: string;
  constructor(readonly group: SubscriptionGroup, name: string, maxInFlight = 10) {
    this.key = clientKey("conn-" + name, "corr-" + name);
    group.addClient({
      connectionId: "conn-" + name,
      correlationId: "corr-" + name,
      maxInFlight,
      sink: {
        deliver: (entry, retryCount) =>
          this.deliveries.push({
            n: Number((entry.link ?? entry.event)!.eventNumber),
            id: messageId(entry),
            retryCount,
            entry,
          }),
        dropped: () => this.drops++,
      },
    });
  }
  numbers(): number[] {
    return this.deliveries.map((d) => d.n);
  }
  /** Takes the deliveries so far, leaving the list empty. */
  take(): Delivery[] {
    return this.deliveries.splice(0);
  }
  ack(ds: readonly Delivery[]): void {
    this.group.acknowledge(this.key, ds.map((d) => d.id));
  }
  nak(ds: readonly Delivery[], action: NakAction, reason = "because"): void {
    this.group.notAcknowledge(this.key, ds.map((d) => d.id), action, reason);
  }
}

function setup(overrides: Partial<GroupSettings> = {}, preload = 0) {
  const storage = new FakeGroupStorage();
  storage.writeMany("s", preload);
  const clock = new ManualClock();
  const group = new SubscriptionGroup({
    streamId: "s",
    groupName: "g",
    settings: { ...DEFAULT_GROUP_SETTINGS, startFrom: 0n, ...overrides },
    storage,
    clock,
    now: () => new Date("2026-01-02T03:04:05.000Z"),
  });
  const write = (count: number) => {
    storage.writeMany("s", count);
    group.notifyAppended();
  };
  return { storage, clock, group, write };
}

Deno.test("startFrom 0 delivers the history in order with retryCount 0", () => {
  const { group } = setup({}, 3);
  const c = new Consumer(group, "a");
  assert.deepEqual(c.numbers(), [0, 1, 2]);
  assert.deepEqual(c.deliveries.map((d) => d.retryCount), [0, 0, 0]);
  assert.equal(group.subscriptionId, "s::g");
  group.close(false);
});

Deno.test("startFrom -1 delivers only events written after the group started", () => {
  const { group, write } = setup({ startFrom: -1n }, 3);
  const c = new Consumer(group, "a");
  assert.deepEqual(c.numbers(), []);
  write(2);
  assert.deepEqual(c.numbers(), [3, 4]);
  group.close(false);
});

Deno.test("startFrom N starts at event N, also when N is not written yet", () => {
  const a = setup({ startFrom: 2n }, 4);
  assert.deepEqual(new Consumer(a.group, "a").numbers(), [2, 3]);
  a.group.close(false);
  const b = setup({ startFrom: 5n }, 2);
  const c = new Consumer(b.group, "a");
  b.write(2);
  assert.deepEqual(c.numbers(), []);
  b.write(2);
  assert.deepEqual(c.numbers(), [5]);
  b.group.close(false);
});

Deno.test("every event is delivered exactly once across history and live writes", () => {
  const { group, write } = setup({ bufferSize: 4, readBatchSize: 2 }, 10);
  const c = new Consumer(group, "a", 3);
  const seen: number[] = [];
  for (let round = 0; round < 30; round++) {
    write(round % 4);
    const got = c.take();
    seen.push(...got.map((d) => d.n));
    c.ack(got);
  }
  for (let i = 0; i < 50; i++) {
    const got = c.take();
    seen.push(...got.map((d) => d.n));
    c.ack(got);
  }
  const total = 10 + [...Array(30).keys()].reduce((s, r) => s + r % 4, 0);
  assert.deepEqual(seen, [...Array(total).keys()]);
  group.close(false);
});

Deno.test("the read-ahead buffer never holds more than bufferSize events", () => {
  const { group, storage, write } = setup({ bufferSize: 5, readBatchSize: 2 }, 100);
  const c = new Consumer(group, "a", 1);
  assert.ok(group.bufferedCount <= 5);
  write(50);
  assert.ok(group.bufferedCount <= 5);
  assert.ok(group.nextEventNumber <= 6n, `read ahead to ${group.nextEventNumber}`);
  const readsBefore = storage.reads;
  for (let i = 0; i < 3; i++) c.ack(c.take());
  assert.ok(storage.reads > readsBefore);
  assert.deepEqual(c.numbers(), [3]);
  group.close(false);
});

Deno.test("allowed in-flight messages bound what a client holds; acks free slots", () => {
  const { group } = setup({}, 10);
  const c = new Consumer(group, "a", 3);
  assert.deepEqual(c.numbers(), [0, 1, 2]);
  c.ack(c.take().slice(0, 2));
  assert.deepEqual(c.numbers(), [3, 4]);
  group.close(false);
});

Deno.test("nak Retry and Unknown redeliver with retryCount + 1", () => {
  const { group } = setup({}, 2);
  const c = new Consumer(group, "a");
  const [first, second] = c.take();
  c.nak([first], NakAction.Retry);
  c.nak([second], NakAction.Unknown);
  assert.deepEqual(c.deliveries.map((d) => [d.n, d.retryCount]), [[0, 1], [1, 1]]);
  c.nak(c.take().slice(0, 1), NakAction.Retry);
  assert.deepEqual(c.deliveries.map((d) => [d.n, d.retryCount]), [[0, 2]]);
  group.close(false);
});

Deno.test("nak Park writes a $> link with reason metadata to the parked stream", () => {
  const { group, storage } = setup({}, 2);
  const c = new Consumer(group, "a");
  c.nak(c.take().slice(1), NakAction.Park, "bad data");
  const parked = storage.appends.filter((a) => a.streamId === PARKED);
  assert.equal(parked.length, 1);
  assert.equal(parked[0].event.eventType, "$>");
  assert.equal(new TextDecoder().decode(parked[0].event.data), "1@s");
  assert.deepEqual(JSON.parse(new TextDecoder().decode(parked[0].event.metadata)), {
    added: "2026-01-02T03:04:05.000Z",
    reason: "Client explicitly NAK'ed message.\nbad data",
    subscriptionEventNumber: 1,
  });
  assert.equal(group.outstandingCount, 1);
  assert.deepEqual(c.numbers(), []);
  group.close(false);
});

Deno.test("nak Skip drops the message: not redelivered, not parked", () => {
  const { group, storage, clock } = setup({ messageTimeoutMs: 1000 }, 1);
  const c = new Consumer(group, "a");
  c.nak(c.take(), NakAction.Skip);
  clock.advance(5000);
  assert.deepEqual(c.numbers(), []);
  assert.equal(group.outstandingCount, 0);
  assert.equal(storage.appends.filter((a) => a.streamId === PARKED).length, 0);
  group.close(false);
});

Deno.test("nak Stop does not stop the group and releases the message like the server", () => {
  const { group, storage, clock, write } = setup({ messageTimeoutMs: 1000 }, 1);
  const c = new Consumer(group, "a", 1);
  c.nak(c.take(), NakAction.Stop);
  clock.advance(5000);
  assert.deepEqual(c.numbers(), []);
  assert.equal(storage.appends.filter((a) => a.streamId === PARKED).length, 0);
  write(1);
  assert.deepEqual(c.numbers(), [1]);
  group.close(false);
});

Deno.test("a message timeout redelivers with retryCount + 1 on the next tick", () => {
  const { group, clock } = setup({ messageTimeoutMs: 2000 }, 1);
  const c = new Consumer(group, "a");
  assert.deepEqual(c.take().map((d) => d.retryCount), [0]);
  clock.advance(TICK_MS);
  assert.deepEqual(c.numbers(), []);
  clock.advance(TICK_MS);
  assert.deepEqual(c.take().map((d) => [d.n, d.retryCount]), [[0, 1]]);
  clock.advance(2 * TICK_MS);
  assert.deepEqual(c.take().map((d) => [d.n, d.retryCount]), [[0, 2]]);
  group.close(false);
});

Deno.test("messageTimeout 0 never times out", () => {
  const { group, clock } = setup({ messageTimeoutMs: 0, checkpointAfterMs: 0 }, 1);
  const c = new Consumer(group, "a");
  c.take();
  clock.advance(3_600_000);
  assert.deepEqual(c.numbers(), []);
  assert.equal(group.outstandingCount, 1);
  group.close(false);
});

Deno.test("maxRetryCount 10: delivered with retryCount 0..10, then parked", () => {
  const { group, storage } = setup({ maxRetryCount: 10 }, 1);
  const c = new Consumer(group, "a");
  const counts: number[] = [];
  for (let i = 0; i < 20; i++) {
    const got = c.take();
    if (got.length === 0) break;
    counts.push(...got.map((d) => d.retryCount));
    c.nak(got, NakAction.Retry);
  }
  assert.deepEqual(counts, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  const parked = storage.appends.filter((a) => a.streamId === PARKED);
  assert.equal(parked.length, 1);
  assert.match(new TextDecoder().decode(parked[0].event.metadata), /Reached retry count of 10/);
  group.close(false);
});

Deno.test("maxRetryCount 0: the first timeout parks the message", () => {
  const { group, storage, clock } = setup({ maxRetryCount: 0, messageTimeoutMs: 1000 }, 1);
  const c = new Consumer(group, "a");
  c.take();
  clock.advance(TICK_MS);
  assert.deepEqual(c.numbers(), []);
  assert.deepEqual(storage.dataOf(PARKED), ["0@s"]);
  assert.equal(group.outstandingCount, 0);
  group.close(false);
});

Deno.test("RoundRobin alternates between two consumers", () => {
  const { group, write } = setup({ namedConsumerStrategy: "RoundRobin" });
  const a = new Consumer(group, "a");
  const b = new Consumer(group, "b");
  write(6);
  assert.deepEqual(a.numbers(), [0, 2, 4]);
  assert.deepEqual(b.numbers(), [1, 3, 5]);
  group.close(false);
});

Deno.test("DispatchToSingle fills the first consumer before using the next", () => {
  const { group, write } = setup({ namedConsumerStrategy: "DispatchToSingle" });
  const a = new Consumer(group, "a", 3);
  const b = new Consumer(group, "b", 3);
  write(5);
  assert.deepEqual(a.numbers(), [0, 1, 2]);
  assert.deepEqual(b.numbers(), [3, 4]);
  group.close(false);
});

Deno.test("empty strategy name: preferRoundRobin false means DispatchToSingle", () => {
  const { group, write } = setup({ namedConsumerStrategy: "", preferRoundRobin: false });
  const a = new Consumer(group, "a", 5);
  const b = new Consumer(group, "b", 5);
  write(4);
  assert.deepEqual(a.numbers(), [0, 1, 2, 3]);
  assert.deepEqual(b.numbers(), []);
  group.close(false);
});

Deno.test("Pinned sends every event of one source stream to one consumer (links by target)", () => {
  const { group, storage } = setup({ namedConsumerStrategy: "Pinned", resolveLinkTos: true });
  const a = new Consumer(group, "a", 30);
  const b = new Consumer(group, "b", 30);
  const sources = ["orders-1", "orders-2", "orders-3", "orders-4", "orders-5", "orders-6"];
  for (let i = 0; i < 24; i++) {
    const target = storage.write(sources[i % sources.length]);
    storage.write("s", "$>", `${target.eventNumber}@${target.eventStreamId}`);
  }
  group.notifyAppended();
  const owner = new Map<string, string>();
  for (const [name, c] of [["a", a], ["b", b]] as const) {
    for (const d of c.deliveries) {
      const stream = d.entry.event!.eventStreamId;
      assert.equal(owner.get(stream) ?? name, name, `${stream} went to both consumers`);
      owner.set(stream, name);
    }
  }
  assert.equal(a.deliveries.length + b.deliveries.length, 24);
  assert.ok(a.deliveries.length > 0 && b.deliveries.length > 0, "both consumers used");
  group.close(false);
});

Deno.test("subscriberMaxCount: the group is full at the limit", () => {
  const { group } = setup({ subscriberMaxCount: 2 });
  new Consumer(group, "a");
  assert.equal(group.isFull, false);
  new Consumer(group, "b");
  assert.equal(group.isFull, true);
  assert.throws(() => new Consumer(group, "c"), RangeError);
  group.close(false);
});

Deno.test("a closed connection's in-flight messages go to the others, silently", () => {
  const { group } = setup({}, 4);
  const a = new Consumer(group, "a", 2);
  const b = new Consumer(group, "b", 10);
  assert.deepEqual(a.numbers(), [0, 1]);
  assert.deepEqual(b.take().map((d) => d.n), [2, 3]);
  group.removeConnection("conn-a");
  assert.equal(a.drops, 0);
  assert.deepEqual(b.deliveries.map((d) => [d.n, d.retryCount]), [[0, 1], [1, 1]]);
  assert.equal(group.clientCount, 1);
  group.close(false);
});

Deno.test("removeClient with notify sends the drop; close(true) drops all and stops timers", () => {
  const { group, clock } = setup({}, 2);
  const a = new Consumer(group, "a");
  const b = new Consumer(group, "b");
  assert.equal(group.removeClient(a.key, true), true);
  assert.equal(a.drops, 1);
  assert.ok(clock.pending > 0);
  group.close(true);
  assert.equal(b.drops, 1);
  assert.equal(clock.pending, 0);
});

Deno.test("resolveLinkTos: the message id is the link's id and acks by it work", () => {
  const { group, storage } = setup({ resolveLinkTos: true });
  const target = storage.write("other");
  const link = storage.write("s", "$>", "0@other");
  group.notifyAppended();
  const c = new Consumer(group, "a");
  const [d] = c.take();
  assert.equal(d.id, bytesToGuid(link.eventId));
  assert.equal(d.entry.event!.eventStreamId, "other");
  assert.deepEqual(d.entry.event!.eventId, target.eventId);
  c.ack([d]);
  assert.equal(group.outstandingCount, 0);
  group.close(false);
});

Deno.test("checkpoint after checkpointMaxCount acks, with $maxCount 2 on the stream", () => {
  const { group, storage } = setup({ checkpointMaxCount: 5, checkpointAfterMs: 60_000 }, 12);
  const c = new Consumer(group, "a", 20);
  const got = c.take();
  c.ack(got.slice(0, 4));
  assert.deepEqual(storage.dataOf(CHECKPOINT), []);
  c.ack(got.slice(4, 5));
  assert.deepEqual(storage.dataOf(CHECKPOINT), ["4"]);
  assert.deepEqual(storage.dataOf("$$" + CHECKPOINT), ['{"$maxCount":2}']);
  const cp = storage.appends.find((a) => a.streamId === CHECKPOINT)!;
  assert.equal(cp.event.eventType, "SubscriptionCheckpoint");
  c.ack(got.slice(6, 12));
  assert.deepEqual(storage.dataOf(CHECKPOINT), ["4"], "event 5 is still outstanding");
  c.ack(got.slice(5, 6));
  assert.deepEqual(storage.dataOf(CHECKPOINT), ["4", "11"]);
  assert.equal(storage.dataOf("$$" + CHECKPOINT).length, 1);
  group.close(false);
});

Deno.test("checkpoint by time once checkpointAfter passed and checkpointMinCount are done", () => {
  const { group, storage, clock } = setup(
    { checkpointAfterMs: 3000, checkpointMinCount: 3, checkpointMaxCount: 1000 },
    8,
  );
  const c = new Consumer(group, "a");
  const got = c.take();
  c.ack(got.slice(0, 2));
  clock.advance(2 * TICK_MS);
  assert.deepEqual(storage.dataOf(CHECKPOINT), [], "2 done < checkpointMinCount 3");
  c.ack(got.slice(2, 3));
  assert.deepEqual(storage.dataOf(CHECKPOINT), [], "acks only write at checkpointMaxCount");
  clock.advance(TICK_MS);
  assert.deepEqual(storage.dataOf(CHECKPOINT), ["2"]);
  c.ack(got.slice(3));
  clock.advance(2 * TICK_MS);
  assert.deepEqual(storage.dataOf(CHECKPOINT), ["2"], "checkpointAfter not yet passed");
  clock.advance(TICK_MS);
  assert.deepEqual(storage.dataOf(CHECKPOINT), ["2", "7"]);
  assert.equal(clock.pending, 0, "no tick while nothing is outstanding or due");
  group.close(false);
});

Deno.test("a new group on the same stream and name resumes after the stored checkpoint", () => {
  const { group, storage, clock } = setup({ checkpointMaxCount: 3 }, 6);
  const c = new Consumer(group, "a");
  c.ack(c.take().slice(0, 4));
  group.close(false);
  assert.deepEqual(storage.dataOf(CHECKPOINT), ["3"]);
  const again = new SubscriptionGroup({
    streamId: "s",
    groupName: "g",
    settings: { ...DEFAULT_GROUP_SETTINGS, startFrom: 0n },
    storage,
    clock,
  });
  assert.deepEqual(new Consumer(again, "b").numbers(), [4, 5]);
  again.close(false);
});

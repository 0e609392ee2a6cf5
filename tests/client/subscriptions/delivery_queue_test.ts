import assert from "node:assert/strict";
import { Position } from "../../../lib/client/position.ts";
import { RecordedEvent, ResolvedEvent } from "../../../lib/client/resolved_event.ts";
import { DeliveryQueue } from "../../../lib/client/subscriptions/delivery_queue.ts";
import { EventStream } from "../../../lib/client/event_stream.ts";
import { SubscriptionDroppedError } from "../../../lib/errors.ts";

function event(n: number): ResolvedEvent {
  return new ResolvedEvent(
    new RecordedEvent({
      stream: "s",
      id: "00000000-0000-0000-0000-000000000000",
      eventNumber: BigInt(n),
      type: "t",
      data: new Uint8Array(0),
      isJson: false,
      created: new Date(0),
    }),
    undefined,
    new Position(BigInt(n), BigInt(n)),
  );
}

function open(capacity: number, onCheckpoint?: (p: Position) => void) {
  const queue = new DeliveryQueue("s", capacity);
  queue.bind({ onCheckpoint, onCancel: () => Promise.resolve() });
  const stream = new EventStream(queue);
  return {
    queue,
    stream,
    get reader() {
      return stream.getReader();
    },
  };
}

Deno.test({
  name: "push() refuses events beyond the capacity: the queue never holds more",
  permissions: "none",
  fn() {
    const { queue } = open(2);
    assert.equal(queue.push(event(0)), true);
    assert.equal(queue.push(event(1)), true);
    assert.equal(queue.push(event(2)), false);
    assert.equal(queue.size, 2);
    assert.equal(queue.room, 0);
  },
});

Deno.test({
  name:
    "checkpoints are reported once the events before them were taken, consecutive ones coalesced",
  permissions: "none",
  async fn() {
    const seen: string[] = [];
    const { queue, reader } = open(5, (p) => seen.push(`cp ${p.commit}`));
    queue.push(event(0));
    queue.pushCheckpoint(new Position(1n, 1n));
    queue.pushCheckpoint(new Position(2n, 2n));
    queue.push(event(3));
    seen.push(`event ${(await reader.read()).value!.eventNumber}`);
    seen.push(`event ${(await reader.read()).value!.eventNumber}`);
    assert.deepEqual(seen, ["event 0", "cp 2", "event 3"]);
  },
});

Deno.test({
  name: "waitForRoom() resolves true once the consumer made room, false when the queue ends",
  permissions: "none",
  async fn() {
    const { queue, reader } = open(2);
    queue.push(event(0));
    queue.push(event(1));
    const room = queue.waitForRoom(1);
    await reader.read();
    assert.equal(await room, true);
    queue.push(event(2));
    const never = queue.waitForRoom(2);
    queue.finish({ reason: "unsubscribed" }, true);
    assert.equal(await never, false);
  },
});

Deno.test({
  name:
    "finish() with an error delivers the queued events, then errors with SubscriptionDroppedError",
  permissions: "none",
  async fn() {
    const { queue, reader } = open(3);
    queue.push(event(0));
    queue.finish({ reason: "consumer-too-slow" });
    assert.equal(queue.push(event(1)), false);
    assert.equal((await reader.read()).value!.eventNumber, 0n);
    await assert.rejects(
      reader.read(),
      (e) => e instanceof SubscriptionDroppedError && e.reason === "consumer-too-slow",
    );
    assert.deepEqual(await queue.dropped, { reason: "consumer-too-slow" });
  },
});

Deno.test({
  name: "finish() with discard drops the queued events and closes the stream",
  permissions: "none",
  async fn() {
    const { queue, reader } = open(3);
    queue.push(event(0));
    queue.finish({ reason: "unsubscribed" }, true);
    assert.equal(queue.size, 0);
    assert.equal((await reader.read()).done, true);
    assert.equal(queue.lastDelivered, undefined);
  },
});

Deno.test({
  name:
    "a drop error read from the stream carries the stack of the call that made the subscription",
  permissions: "none",
  async fn() {
    function subscribeFromUserCode() {
      return open(1);
    }
    const { queue, reader } = subscribeFromUserCode();
    queue.finish({ reason: "server-error" });
    const error = await reader.read().then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof SubscriptionDroppedError);
    assert.match(error.stack ?? "", /subscribeFromUserCode/);
  },
});

Deno.test({
  name:
    "a for await over the queue's stream takes queued and later events in order, reports checkpoints between them, then the drop error",
  permissions: "none",
  async fn() {
    const seen: string[] = [];
    const { queue, stream } = open(5, (p) => seen.push(`cp ${p.commit}`));
    queue.push(event(0));
    queue.pushCheckpoint(new Position(1n, 1n));
    const consumed = (async () => {
      for await (const e of stream) {
        seen.push(`event ${e.eventNumber}`);
        if (e.eventNumber === 0n) {
          // Pushed while the consumer waits: handed over when it asks again.
          queueMicrotask(() => {
            queue.push(event(2));
            queue.finish({ reason: "consumer-too-slow" });
          });
        }
      }
    })();
    await assert.rejects(
      consumed,
      (e) => e instanceof SubscriptionDroppedError && e.reason === "consumer-too-slow",
    );
    assert.deepEqual(seen, ["event 0", "cp 1", "event 2"]);
    assert.equal(stream.locked, false);
  },
});

/**
 * The object every subscription is: a `ReadableStream` of events (whose `for await` takes them
 * straight from the subscription's queue, as an `EventStream` does: ../event_stream.ts) with
 * `unsubscribe()`, `[Symbol.asyncDispose]`, a `dropped` promise, and the number and position of
 * the last event handed to the consumer. Its queue is bounded (`bufferSize`); what happens when
 * the consumer falls behind depends on the kind of subscription.
 *
 * @module
 */

import { EventStream } from "../event_stream.ts";
import type { Position } from "../position.ts";
import type { DeliveryQueue } from "./delivery_queue.ts";
import type { SubscriptionDrop } from "./drop.ts";

/** What ends a subscription from the client side. */
export interface SubscriptionControl {
  /** Unsubscribes; resolves once the subscription has ended. */
  stop(): Promise<void>;
}

/**
 * A subscription: a stream of events that ends when the subscription is dropped.
 *
 * Leaving a `for await` loop (or cancelling the stream) unsubscribes. A drop other than
 * `"unsubscribed"` errors the stream with a `SubscriptionDroppedError` after the events received
 * before it have been delivered.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect } from "@photonpump/client";
 * import { startMemoryStore } from "@photonpump/client/memstore";
 *
 * await using store = await startMemoryStore({ port: 0 });
 * await using conn = await connect(store.url);
 * await using subscription = await conn.subscribeTo("orders"); // volatile: new events only
 * await conn.publishEvent("orders", "order_placed", { body: {} });
 * for await (const event of subscription) {
 *   assert.equal(event.type, "order_placed");
 *   assert.equal(subscription.lastEventNumber, 0n);
 *   break; // leaving the loop unsubscribes
 * }
 * assert.equal((await subscription.dropped).reason, "unsubscribed");
 * ```
 */
export class Subscription extends EventStream {
  /** The subscribed stream (`"$all"` for `$all`). */
  readonly stream: string;
  /** Settles once the subscription has ended, with the reason. Never rejects. */
  readonly dropped: Promise<SubscriptionDrop>;
  readonly #queue: DeliveryQueue;
  readonly #control: SubscriptionControl;

  /** Created by the client's subscribe methods. */
  constructor(stream: string, queue: DeliveryQueue, control: SubscriptionControl) {
    super(queue);
    this.stream = stream;
    this.#queue = queue;
    this.#control = control;
    this.dropped = queue.dropped;
  }

  /** The number of the last event handed to the consumer (its original number for links). */
  get lastEventNumber(): bigint | undefined {
    return this.#queue.lastDelivered?.originalEventNumber;
  }

  /** The `$all` position of the last event handed to the consumer, where known. */
  get lastPosition(): Position | undefined {
    return this.#queue.lastDelivered?.position;
  }

  /** Events received and waiting for the consumer (never more than `bufferSize`). */
  get bufferedCount(): number {
    return this.#queue.size;
  }

  /** The most events the subscription buffers for its consumer. */
  get bufferSize(): number {
    return this.#queue.capacity;
  }

  /**
   * Ends the subscription: no more events are delivered (queued ones are discarded) and
   * `dropped` settles with `"unsubscribed"`. Resolves once the server confirmed or the
   * connection is gone. Calling it again is a no-op.
   */
  unsubscribe(): Promise<void> {
    return this.#control.stop();
  }

  /** Same as {@linkcode Subscription.unsubscribe}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.unsubscribe();
  }

  /** `Subscription(<stream>)`. */
  override toString(): string {
    return `Subscription(${this.stream})`;
  }
}

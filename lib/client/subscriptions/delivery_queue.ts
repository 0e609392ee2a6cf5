/**
 * The bounded queue between a subscription's producer (the read loop, history reads) and its
 * consumer (an `EventStream`, which takes one event at a time and queues none). Producers never block: `push` answers
 * false when the queue is full and the producer decides (drop, or fall back to reading). The
 * consumer's pulls drain it; checkpoint markers ride in it so a checkpoint is reported only
 * once the events before it have been handed over.
 *
 * @module
 */

import type { Position } from "../position.ts";
import type { ResolvedEvent } from "../resolved_event.ts";
import { withOrigin } from "../operation.ts";
import { dropError, type SubscriptionDrop } from "./drop.ts";
import type { EventSource } from "../event_stream.ts";

/** What the queue tells the driver that feeds it. */
export interface DeliveryHooks {
  /** The consumer asks for the next event (so it is done with the previous one). */
  onPull?(): void;
  /** An event was handed to the consumer. */
  onDeliver?(event: ResolvedEvent): void;
  /** The consumer passed a checkpoint marker. */
  onCheckpoint?(position: Position): void;
  /** The consumer cancelled the stream; resolves once the subscription has ended. */
  onCancel(reason: unknown): Promise<void>;
}

type Item = { readonly event: ResolvedEvent } | { readonly checkpoint: Position };
interface RoomWaiter {
  readonly need: number;
  readonly resolve: (open: boolean) => void;
}

/**
 * A bounded FIFO of events feeding a pull-based stream.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DeliveryQueue } from "./delivery_queue.ts";
 * const queue = new DeliveryQueue("orders", 2);
 * queue.bind({ onCancel: () => Promise.resolve() });
 * assert.deepEqual(queue.room, 2);
 * ```
 */
export class DeliveryQueue implements EventSource {
  /** The most events the queue holds. */
  readonly capacity: number;
  /** Settles with the drop once the subscription has ended. */
  readonly dropped: Promise<SubscriptionDrop>;
  readonly #name: string;
  #hooks: DeliveryHooks | undefined;
  #items: Item[] = [];
  #head = 0;
  #events = 0;
  #end: SubscriptionDrop | undefined;
  #cancelled = false;
  #wake: (() => void) | undefined;
  #roomWaiters: RoomWaiter[] = [];
  #resolveDropped!: (drop: SubscriptionDrop) => void;
  #lastDelivered: ResolvedEvent | undefined;
  // A drop surfaces in a later read, far from the caller: the error carries the stack of the call
  // that made the subscription, as operations carry theirs.
  readonly #origin = new Error("origin");

  /** Creates an empty queue; `name` is the stream named in drop errors. */
  constructor(name: string, capacity: number) {
    this.#name = name;
    this.capacity = capacity;
    this.dropped = new Promise((resolve) => this.#resolveDropped = resolve);
  }

  /** Connects the driver; must be called before the stream is read. */
  bind(hooks: DeliveryHooks): void {
    this.#hooks = hooks;
  }

  /** Events waiting for the consumer. */
  get size(): number {
    return this.#events;
  }

  /** Free places. */
  get room(): number {
    return this.capacity - this.#events;
  }

  /** True once the subscription has ended (dropped or cancelled). */
  get ended(): boolean {
    return this.#end !== undefined || this.#cancelled;
  }

  /** The last event handed to the consumer. */
  get lastDelivered(): ResolvedEvent | undefined {
    return this.#lastDelivered;
  }

  /** Appends an event; false (and nothing appended) when the queue is full or ended. */
  push(event: ResolvedEvent): boolean {
    if (this.ended || this.#events >= this.capacity) return false;
    this.#items.push({ event });
    this.#events++;
    this.#wake?.();
    return true;
  }

  /** Appends a checkpoint marker (replacing a marker that has no event after it). */
  pushCheckpoint(position: Position): void {
    if (this.ended) return;
    const last = this.#items.length - 1;
    if (last >= this.#head && "checkpoint" in this.#items[last]) {
      this.#items[last] = { checkpoint: position };
    } else {
      this.#items.push({ checkpoint: position });
    }
    this.#wake?.();
  }

  /**
   * Resolves true once at least `need` places are free (capped at the capacity), false if the
   * subscription ends first.
   */
  waitForRoom(need: number): Promise<boolean> {
    if (this.ended) return Promise.resolve(false);
    const wanted = Math.min(need, this.capacity);
    if (this.room >= wanted) return Promise.resolve(true);
    return new Promise((resolve) => this.#roomWaiters.push({ need: wanted, resolve }));
  }

  /**
   * Ends the subscription: the consumer gets the queued events, then the end (`discard` drops
   * them). A drop with an error errors the stream with a `SubscriptionDroppedError` (an `AccessDeniedError` for a refusal).
   * The first call wins.
   */
  finish(drop: SubscriptionDrop, discard = false): void {
    if (this.#end) return;
    this.#end = drop;
    if (discard) this.#clear();
    this.#resolveDropped(drop);
    this.#wake?.();
    this.#releaseWaiters(false);
  }

  /**
   * The consumer takes the next event: now if one is queued, else once one is pushed;
   * `undefined` once the subscription ended by an unsubscribe (or a cancel).
   *
   * @throws {SubscriptionDroppedError} (or `AccessDeniedError`) once it was dropped, after the
   * events received before the drop
   */
  take(): ResolvedEvent | undefined | Promise<ResolvedEvent | undefined> {
    this.#hooks?.onPull?.();
    return this.#next();
  }

  /** The consumer cancelled the stream; resolves once the subscription has ended. */
  async cancel(reason: unknown): Promise<void> {
    this.#cancelled = true;
    this.#clear();
    this.#wake?.();
    this.#releaseWaiters(false);
    await this.#hooks?.onCancel(reason);
  }

  #next(): ResolvedEvent | undefined | Promise<ResolvedEvent | undefined> {
    for (;;) {
      if (this.#cancelled) return undefined;
      const item = this.#shift();
      if (item) {
        if ("checkpoint" in item) {
          this.#hooks?.onCheckpoint?.(item.checkpoint);
          continue;
        }
        this.#events--;
        this.#lastDelivered = item.event;
        this.#releaseWaiters(true);
        this.#hooks?.onDeliver?.(item.event);
        return item.event;
      }
      const end = this.#end;
      if (end) {
        if (end.reason === "unsubscribed") return undefined;
        throw withOrigin(dropError(end.reason, this.#name, { cause: end.error }), this.#origin);
      }
      return new Promise<void>((resolve) => this.#wake = resolve).then(() => {
        this.#wake = undefined;
        return this.#next();
      });
    }
  }

  #shift(): Item | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head++];
    // Compact now and then so the array does not grow with the number of events ever queued.
    if (this.#head >= 64 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  #clear(): void {
    this.#items = [];
    this.#head = 0;
    this.#events = 0;
  }

  #releaseWaiters(onlyReady: boolean): void {
    if (this.#roomWaiters.length === 0) return;
    const waiting: RoomWaiter[] = [];
    for (const waiter of this.#roomWaiters) {
      if (!onlyReady) waiter.resolve(false);
      else if (this.room >= waiter.need) waiter.resolve(true);
      else waiting.push(waiter);
    }
    this.#roomWaiters = onlyReady ? waiting : [];
  }
}

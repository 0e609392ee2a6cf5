/**
 * Many deadlines on one timer. The executor gives every call a deadline; a clock timer per call
 * (created, then cleared when the reply comes, microseconds later) cost more than the rest of
 * the call's bookkeeping together. Here the deadlines sit in a min-heap and one timer is armed
 * at the earliest; a deadline that is cancelled stays in the heap, forgotten (its callback
 * dropped), until it reaches the top or the heap is compacted, so cancelling costs no timer call.
 * When the last one is cancelled the timer stays armed and, firing with nothing due, stops.
 *
 * @module
 */

import type { Clock, TimerHandle } from "../clock.ts";

/** A deadline handed out by {@linkcode DeadlineQueue.add}; pass it to `cancel`. */
export interface Deadline {
  /** When it expires, in the clock's milliseconds. */
  readonly at: number;
}

interface Item extends Deadline {
  /** Ties between equal `at` go to the earlier deadline. */
  readonly seq: number;
  /** Undefined once cancelled or expired. */
  onExpire: (() => void) | undefined;
}

function before(a: Item, b: Item): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

/** Cancelled items the heap may hold beyond its live ones before it is compacted. */
const SLACK = 64;

/**
 * Deadlines driven by one timer of `clock`, armed at the earliest live deadline; once none is
 * left it runs out without arming again (`clear()` stops it at once). Deadlines with the same expiry time expire in the order they were added.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DeadlineQueue } from "./deadline_queue.ts";
 * import { systemClock } from "../clock.ts";
 * const deadlines = new DeadlineQueue(systemClock);
 * const fired: string[] = [];
 * const deadline = deadlines.add(1000, () => fired.push("late"));
 * deadlines.cancel(deadline); // answered in time: no timer call
 * assert.equal(deadlines.size, 0);
 * deadlines.clear(); // no timer left
 * ```
 */
export class DeadlineQueue {
  readonly #clock: Clock;
  #heap: Item[] = [];
  #live = 0;
  #seq = 0;
  #timer: TimerHandle | undefined;
  /** The expiry the timer is armed for (Infinity when it is not). */
  #armedAt = Infinity;

  /** Creates an empty queue over `clock`. */
  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Deadlines added and neither cancelled nor expired. */
  get size(): number {
    return this.#live;
  }

  /** Calls `onExpire` once `ms` milliseconds have passed, unless cancelled first. */
  add(ms: number, onExpire: () => void): Deadline {
    const item: Item = { at: this.#clock.now() + ms, seq: this.#seq++, onExpire };
    this.#push(item);
    this.#live++;
    if (item.at < this.#armedAt) this.#arm();
    return item;
  }

  /** Cancels `deadline`; one that expired or was cancelled already is ignored. */
  cancel(deadline: Deadline): void {
    const item = deadline as Item;
    if (item.onExpire === undefined) return;
    item.onExpire = undefined;
    if (--this.#live === 0) {
      // The timer is left to run out: calls made one after the other would otherwise set and
      // clear a timer each. It finds nothing and stops, or re-arms for a deadline added since.
      this.#heap = [];
    } else if (this.#heap.length > 2 * this.#live + SLACK) {
      this.#compact();
    }
  }

  /** Cancels every deadline and clears the timer. */
  clear(): void {
    for (const item of this.#heap) item.onExpire = undefined;
    this.#heap = [];
    this.#live = 0;
    this.#disarm();
  }

  #fire(): void {
    this.#timer = undefined;
    this.#armedAt = Infinity;
    const now = this.#clock.now();
    const expired: (() => void)[] = [];
    const heap = this.#heap;
    while (heap.length > 0 && (heap[0].onExpire === undefined || heap[0].at <= now)) {
      const item = this.#pop();
      if (item.onExpire === undefined) continue;
      expired.push(item.onExpire);
      item.onExpire = undefined;
      this.#live--;
    }
    this.#arm();
    // After re-arming: a callback may add or cancel deadlines.
    for (const onExpire of expired) onExpire();
  }

  /** Arms the timer at the earliest live deadline, dropping cancelled ones on top. */
  #arm(): void {
    const heap = this.#heap;
    while (heap.length > 0 && heap[0].onExpire === undefined) this.#pop();
    if (heap.length === 0) return this.#disarm();
    const at = heap[0].at;
    if (this.#timer !== undefined && this.#armedAt <= at) return;
    this.#disarm();
    this.#armedAt = at;
    this.#timer = this.#clock.setTimeout(
      () => this.#fire(),
      Math.max(0, at - this.#clock.now()),
    );
  }

  #disarm(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedAt = Infinity;
  }

  /** Rebuilds the heap from its live items. */
  #compact(): void {
    const live = this.#heap.filter((item) => item.onExpire !== undefined);
    this.#heap = live;
    for (let i = (live.length >> 1) - 1; i >= 0; i--) this.#down(i);
  }

  #push(item: Item): void {
    const heap = this.#heap;
    let i = heap.length;
    heap.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(item, heap[parent])) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = item;
  }

  #pop(): Item {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      this.#down(0);
    }
    return top;
  }

  #down(start: number): void {
    const heap = this.#heap;
    const item = heap[start];
    const length = heap.length;
    let i = start;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= length) break;
      if (child + 1 < length && before(heap[child + 1], heap[child])) child++;
      if (!before(heap[child], item)) break;
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = item;
  }
}

/**
 * The group's undelivered messages (the server's `StreamBuffer`): retries, ordered by event number
 * and offered first, then events read from the stream, bounded by the group's buffer size.
 *
 * @module
 */

import { type GroupEvent, originalEventNumber } from "./group_event.ts";

/** A message waiting for a client. */
export interface BufferedMessage {
  /** The entry to deliver. */
  readonly entry: GroupEvent;
  /** The retryCount it will be delivered with. */
  readonly retryCount: number;
}

/** What {@linkcode MessageBuffer.offer} does with a message after its visitor saw it. */
export type OfferDecision = "take" | "skip" | "stop";

/**
 * Retries and read-ahead events awaiting delivery. Both lists are kept in event-number order
 * with a moving head, so taking the next message, finding the lowest number and queueing a
 * read cost O(1), and queueing a retry O(log n) to find its place.
 */
export class MessageBuffer {
  #retries: BufferedMessage[] = [];
  #retriesHead = 0;
  #reads: BufferedMessage[] = [];
  #readsHead = 0;
  /** False once a read arrived out of order; the lowest number is then found by a scan. */
  #readsSorted = true;

  /** Read-ahead events held (retries are not counted: they were already read). */
  get readCount(): number {
    return this.#reads.length - this.#readsHead;
  }

  /** All waiting messages. */
  get size(): number {
    return this.#retries.length - this.#retriesHead + this.readCount;
  }

  /** Queues an event read from the stream. */
  addRead(entry: GroupEvent): void {
    if (this.readCount > 0) {
      const last = this.#reads[this.#reads.length - 1];
      if (originalEventNumber(last.entry) > originalEventNumber(entry)) this.#readsSorted = false;
    }
    this.#reads.push({ entry, retryCount: 0 });
  }

  /** Queues a retry, keeping retries ordered by event number (after equal numbers). */
  addRetry(entry: GroupEvent, retryCount: number): void {
    const n = originalEventNumber(entry);
    let lo = this.#retriesHead;
    let hi = this.#retries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (originalEventNumber(this.#retries[mid].entry) > n) hi = mid;
      else lo = mid + 1;
    }
    this.#retries.splice(lo, 0, { entry, retryCount });
  }

  /** The waiting messages in delivery order (a snapshot, for inspection). */
  scan(): BufferedMessage[] {
    return [...this.#retries.slice(this.#retriesHead), ...this.#reads.slice(this.#readsHead)];
  }

  /**
   * Shows the waiting messages to `visit` in delivery order (retries first) until it says
   * `"stop"` or none is left; each one it `"take"`s leaves the buffer. The cost is the number of
   * messages visited, not the buffer's size.
   */
  offer(visit: (message: BufferedMessage) => OfferDecision): void {
    if (this.#offerFrom(true, visit)) this.#offerFrom(false, visit);
  }

  /** Offers one list; false when the visitor stopped. */
  #offerFrom(retries: boolean, visit: (message: BufferedMessage) => OfferDecision): boolean {
    const list = retries ? this.#retries : this.#reads;
    let i = retries ? this.#retriesHead : this.#readsHead;
    while (i < list.length) {
      const decision = visit(list[i]);
      if (decision === "stop") return false;
      if (decision === "skip") {
        i++;
        continue;
      }
      const head = retries ? this.#retriesHead : this.#readsHead;
      if (i === head) {
        list[i] = undefined as unknown as BufferedMessage;
        i++;
        if (retries) this.#retriesHead = i;
        else this.#readsHead = i;
      } else {
        // Taken behind a skipped message (a pinned client's): close the gap.
        list.splice(i, 1);
      }
    }
    this.#compact();
    return true;
  }

  /** Removes a waiting message. */
  remove(message: BufferedMessage): void {
    for (const retries of [true, false]) {
      const list = retries ? this.#retries : this.#reads;
      const head = retries ? this.#retriesHead : this.#readsHead;
      const i = list.indexOf(message, head);
      if (i < 0) continue;
      if (i === head) {
        list[i] = undefined as unknown as BufferedMessage;
        if (retries) this.#retriesHead++;
        else this.#readsHead++;
      } else {
        list.splice(i, 1);
      }
      this.#compact();
      return;
    }
  }

  /** The lowest event number waiting, if any. */
  lowestEventNumber(): bigint | undefined {
    let lowest: bigint | undefined;
    if (this.#retriesHead < this.#retries.length) {
      lowest = originalEventNumber(this.#retries[this.#retriesHead].entry);
    }
    if (this.readCount > 0) {
      let n = originalEventNumber(this.#reads[this.#readsHead].entry);
      if (!this.#readsSorted) {
        for (let i = this.#readsHead + 1; i < this.#reads.length; i++) {
          const m = originalEventNumber(this.#reads[i].entry);
          if (m < n) n = m;
        }
      }
      if (lowest === undefined || n < lowest) lowest = n;
    }
    return lowest;
  }

  /** Drops the taken slots at the heads once they are the larger part of a list. */
  #compact(): void {
    if (this.#retriesHead > 64 && this.#retriesHead * 2 > this.#retries.length) {
      this.#retries = this.#retries.slice(this.#retriesHead);
      this.#retriesHead = 0;
    }
    if (this.#readsHead > 64 && this.#readsHead * 2 > this.#reads.length) {
      this.#reads = this.#reads.slice(this.#readsHead);
      this.#readsHead = 0;
    }
    if (this.readCount === 0) this.#readsSorted = true;
  }
}

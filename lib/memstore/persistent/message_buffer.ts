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

/** Retries and read-ahead events awaiting delivery. */
export class MessageBuffer {
  #retries: BufferedMessage[] = [];
  #reads: BufferedMessage[] = [];

  /** Read-ahead events held (retries are not counted: they were already read). */
  get readCount(): number {
    return this.#reads.length;
  }

  /** All waiting messages. */
  get size(): number {
    return this.#retries.length + this.#reads.length;
  }

  /** Queues an event read from the stream. */
  addRead(entry: GroupEvent): void {
    this.#reads.push({ entry, retryCount: 0 });
  }

  /** Queues a retry, keeping retries ordered by event number. */
  addRetry(entry: GroupEvent, retryCount: number): void {
    const n = originalEventNumber(entry);
    let i = this.#retries.length;
    while (i > 0 && originalEventNumber(this.#retries[i - 1].entry) > n) i--;
    this.#retries.splice(i, 0, { entry, retryCount });
  }

  /** The waiting messages in delivery order (a snapshot). */
  scan(): BufferedMessage[] {
    return [...this.#retries, ...this.#reads];
  }

  /** Removes a delivered message. */
  remove(message: BufferedMessage): void {
    const list = this.#retries.includes(message) ? this.#retries : this.#reads;
    const i = list.indexOf(message);
    if (i >= 0) list.splice(i, 1);
  }

  /** The lowest event number waiting, if any. */
  lowestEventNumber(): bigint | undefined {
    let lowest: bigint | undefined;
    for (const m of [...this.#retries, ...this.#reads]) {
      const n = originalEventNumber(m.entry);
      if (lowest === undefined || n < lowest) lowest = n;
    }
    return lowest;
  }
}

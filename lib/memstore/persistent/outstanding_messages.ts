/**
 * The group's table of delivered, unacknowledged messages, keyed by message id (the server's
 * `OutstandingMessageCache`): retry count, holder and deadline of each.
 *
 * @module
 */

import { type GroupEvent, messageId, originalEventNumber } from "./group_event.ts";

/** One delivered message awaiting ack or nak. */
export interface OutstandingMessage {
  /** The message id. */
  readonly id: string;
  /** The delivered entry. */
  readonly entry: GroupEvent;
  /** The retryCount it was delivered with. */
  readonly retryCount: number;
  /** The key of the client holding it. */
  readonly clientKey: string;
  /** Clock time (ms) when it times out; `Infinity` = never. */
  readonly deadline: number;
}

/** The outstanding-message table. */
export class OutstandingMessages {
  #byId = new Map<string, OutstandingMessage>();

  /** How many messages are outstanding. */
  get size(): number {
    return this.#byId.size;
  }

  /**
   * Records a delivery; false (and no change) when a message with the same id is already
   * outstanding, as the server skips duplicate event ids.
   */
  start(entry: GroupEvent, retryCount: number, clientKey: string, deadline: number): boolean {
    const id = messageId(entry);
    if (this.#byId.has(id)) return false;
    this.#byId.set(id, { id, entry, retryCount, clientKey, deadline });
    return true;
  }

  /** The outstanding message with this id. */
  get(id: string): OutstandingMessage | undefined {
    return this.#byId.get(id);
  }

  /** Forgets a message; false when it was not outstanding. */
  remove(id: string): boolean {
    return this.#byId.delete(id);
  }

  /** Messages whose deadline is at or before `now`, earliest first. */
  expiredAt(now: number): OutstandingMessage[] {
    return [...this.#byId.values()].filter((m) => m.deadline <= now)
      .sort((a, b) => a.deadline - b.deadline);
  }

  /** The lowest original event number outstanding, if any. */
  lowestEventNumber(): bigint | undefined {
    let lowest: bigint | undefined;
    for (const m of this.#byId.values()) {
      const n = originalEventNumber(m.entry);
      if (lowest === undefined || n < lowest) lowest = n;
    }
    return lowest;
  }

  /** True when some message can time out. */
  get hasDeadlines(): boolean {
    for (const m of this.#byId.values()) if (m.deadline !== Infinity) return true;
    return false;
  }
}

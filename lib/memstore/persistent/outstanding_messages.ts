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

/**
 * The outstanding-message table. The lowest event number comes from a min-heap with lazy
 * deletion (an entry counts while it is still the table's message for its id), so an ack and
 * the checkpoint check after it cost O(log n), not a scan of everything outstanding.
 */
export class OutstandingMessages {
  #byId = new Map<string, OutstandingMessage>();
  /** Min-heap by original event number; may hold messages already removed. */
  #heap: { n: bigint; message: OutstandingMessage }[] = [];
  #withDeadline = 0;

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
    const message = { id, entry, retryCount, clientKey, deadline };
    this.#byId.set(id, message);
    if (deadline !== Infinity) this.#withDeadline++;
    this.#heapPush({ n: originalEventNumber(entry), message });
    return true;
  }

  /** The outstanding message with this id. */
  get(id: string): OutstandingMessage | undefined {
    return this.#byId.get(id);
  }

  /** Forgets a message; false when it was not outstanding. */
  remove(id: string): boolean {
    const message = this.#byId.get(id);
    if (!message) return false;
    this.#byId.delete(id);
    if (message.deadline !== Infinity) this.#withDeadline--;
    if (this.#byId.size === 0) this.#heap = [];
    return true;
  }

  /** Messages whose deadline is at or before `now`, earliest first. */
  expiredAt(now: number): OutstandingMessage[] {
    return [...this.#byId.values()].filter((m) => m.deadline <= now)
      .sort((a, b) => a.deadline - b.deadline);
  }

  /** The lowest original event number outstanding, if any. */
  lowestEventNumber(): bigint | undefined {
    while (this.#heap.length > 0) {
      const top = this.#heap[0];
      if (this.#byId.get(top.message.id) === top.message) return top.n;
      this.#heapPop();
    }
    return undefined;
  }

  /** True when some message can time out. */
  get hasDeadlines(): boolean {
    return this.#withDeadline > 0;
  }

  #heapPush(item: { n: bigint; message: OutstandingMessage }): void {
    const heap = this.#heap;
    heap.push(item);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent].n <= item.n) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = item;
  }

  #heapPop(): void {
    const heap = this.#heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && heap[right].n < heap[left].n ? right : left;
      if (heap[child].n >= last.n) break;
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = last;
  }
}

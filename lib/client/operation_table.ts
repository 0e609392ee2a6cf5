/**
 * The executor's operation table: one {@linkcode Entry} per operation handed to it, each in one
 * discriminated {@linkcode EntryState}, and one transition function ({@linkcode
 * OperationTable.move}) that keeps the table, the queue and the timers consistent with it.
 *
 * ```
 *   queued ──send──▶ sent ──confirmed──▶ attached
 *     ▲  ▲            │ │                   │
 *     │  └──requeue───┘ └──retry──▶ waiting │
 *     └──────────────timer──────────┘       │
 *   any state ──complete / fail / release──▶ done
 * ```
 *
 * @module
 */

import type { Clock, TimerHandle } from "../clock.ts";
import type { Connection } from "./connection.ts";
import type { Deadline, DeadlineQueue } from "./deadline_queue.ts";
import type { Operation } from "./operation.ts";

/** Where an operation is in its life. */
export type EntryState =
  /** Waiting for a connection. */
  | { readonly kind: "queued" }
  /** On the wire on `connection`, waiting for its reply. */
  | { readonly kind: "sent"; readonly connection: Connection }
  /** Waiting `retryDelay` before being queued again (after NotHandled). */
  | { readonly kind: "waiting"; readonly timer: TimerHandle }
  /** A confirmed subscription living on `connection`. */
  | { readonly kind: "attached"; readonly connection: Connection }
  /** Over: no longer in the table. */
  | { readonly kind: "done" };

/** One operation handed to the executor, across its attempts. */
export interface Entry {
  /** The operation. */
  readonly operation: Operation<unknown>;
  /** Its deadline in ms (the call's timeout). */
  readonly timeout: number;
  /**
   * Detaches the listener on the caller's signal; called when the entry is done. Undefined for a
   * call without a signal: no listener, no controller, nothing allocated for it.
   */
  detach: (() => void) | undefined;
  /** The deadline (in the executor's deadline queue), until the operation settles or attaches. */
  deadline: Deadline | undefined;
  /**
   * Whether the deadline was started: at the first send, or when the entry starts waiting for a
   * lost connection; never while it only waits for an in-flight slot on a live connection.
   */
  timed: boolean;
  /** Sends so far. */
  attempts: number;
  /** Its place in call order, set by {@linkcode OperationTable.add}. */
  order: number;
  /** Where it is. */
  state: EntryState;
}

/**
 * The table. Every state change goes through {@linkcode OperationTable.move}.
 */
export class OperationTable {
  readonly #clock: Clock;
  readonly #deadlines: DeadlineQueue;
  /** Called each time an entry is done. */
  readonly #onDone: () => void;
  readonly #entries = new Map<Operation<unknown>, Entry>();
  /** Queued entries never sent, in call order. */
  readonly #queue = new Set<Entry>();
  /**
   * Queued entries that were sent before (their connection was lost, or a retry), in call order:
   * they go out again before the entries behind them in call order, so a reconnection keeps the
   * order the calls were made in (appends to one stream land in call order).
   */
  #returned: Entry[] = [];
  /** The entries of `#returned`. */
  readonly #isReturned = new Set<Entry>();
  #order = 0;
  /** Entries in state `sent`. */
  #sent = 0;
  /** Entries in state `attached`. */
  #attached = 0;

  /** Creates an empty table; `deadlines` holds the entries' deadlines. */
  constructor(clock: Clock, deadlines: DeadlineQueue, onDone: () => void = () => {}) {
    this.#clock = clock;
    this.#deadlines = deadlines;
    this.#onDone = onDone;
  }

  /** Entries not done that are not attached subscriptions (calls waiting for an answer). */
  get calls(): number {
    return this.#entries.size - this.#attached;
  }

  /** Entries not done. */
  get size(): number {
    return this.#entries.size;
  }

  /** Entries waiting for a connection or for an in-flight slot. */
  get queued(): number {
    return this.#queue.size + this.#returned.length;
  }

  /** Entries on the wire waiting for their reply (state `sent`). */
  get inFlight(): number {
    return this.#sent;
  }

  /** The entry of `operation`, if it is not done. */
  get(operation: Operation<unknown>): Entry | undefined {
    return this.#entries.get(operation);
  }

  /** Every entry not done. */
  entries(): Entry[] {
    return [...this.#entries.values()];
  }

  /** Adds an entry in state `queued`. */
  add(entry: Entry): void {
    entry.order = this.#order++;
    this.#entries.set(entry.operation, entry);
    this.#queue.add(entry);
  }

  /**
   * Removes and returns up to `max` queued entries in call order, the ones sent before included
   * (the caller moves each on).
   */
  takeQueued(max: number): Entry[] {
    const taken: Entry[] = [];
    const returned = this.#returned;
    let back = 0;
    for (const entry of this.#queue) {
      while (taken.length < max && back < returned.length && returned[back].order < entry.order) {
        taken.push(returned[back++]);
      }
      if (taken.length >= max) break;
      taken.push(entry);
      this.#queue.delete(entry);
    }
    while (taken.length < max && back < returned.length) taken.push(returned[back++]);
    if (back > 0) {
      for (let i = 0; i < back; i++) this.#isReturned.delete(returned[i]);
      this.#returned = returned.slice(back);
    }
    return taken;
  }

  /** The queued entries (not removed). */
  queuedEntries(): Entry[] {
    return [...this.#returned, ...this.#queue];
  }

  /** Puts an entry sent before back in line, by call order. */
  #putBack(entry: Entry): void {
    const returned = this.#returned;
    this.#isReturned.add(entry);
    let low = 0;
    let high = returned.length;
    if (high === 0 || returned[high - 1].order < entry.order) {
      returned.push(entry);
      return;
    }
    while (low < high) {
      const middle = (low + high) >> 1;
      if (returned[middle].order < entry.order) low = middle + 1;
      else high = middle;
    }
    returned.splice(low, 0, entry);
  }

  /** Takes an entry out of the queue it is in. */
  #unqueue(entry: Entry): void {
    if (this.#queue.delete(entry) || !this.#isReturned.delete(entry)) return;
    this.#returned.splice(this.#returned.indexOf(entry), 1);
  }

  /**
   * The transition function: moves `entry` to `next`, keeping the queue and the timers in step
   * (leaving `waiting` clears its timer; `attached` and `done` clear the deadline; `done` removes
   * the entry and detaches it from the caller's signal). Moving a done entry does nothing.
   */
  move(entry: Entry, next: EntryState): void {
    const previous = entry.state;
    if (previous.kind === "done") return;
    if (previous.kind === "waiting") this.#clock.clearTimeout(previous.timer);
    if (previous.kind === "queued") this.#unqueue(entry);
    if (previous.kind === "sent") this.#sent--;
    if (previous.kind === "attached") this.#attached--;
    entry.state = next;
    if (next.kind === "queued") this.#putBack(entry);
    if (next.kind === "sent") this.#sent++;
    if (next.kind === "attached") this.#attached++;
    if ((next.kind === "attached" || next.kind === "done") && entry.deadline !== undefined) {
      this.#deadlines.cancel(entry.deadline);
      entry.deadline = undefined;
    }
    if (next.kind === "done") {
      this.#entries.delete(entry.operation);
      entry.detach?.();
      entry.detach = undefined;
      this.#onDone();
    }
  }
}

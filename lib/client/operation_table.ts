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
  /** The deadline timer, until the operation settles or attaches. */
  deadline: TimerHandle | undefined;
  /** Sends so far. */
  attempts: number;
  /** Where it is. */
  state: EntryState;
}

/**
 * The table. Every state change goes through {@linkcode OperationTable.move}.
 */
export class OperationTable {
  readonly #clock: Clock;
  /** Called each time an entry is done. */
  readonly #onDone: () => void;
  readonly #entries = new Map<Operation<unknown>, Entry>();
  /** Queued entries in the order they were queued. */
  readonly #queue = new Set<Entry>();

  /** Creates an empty table. */
  constructor(clock: Clock, onDone: () => void = () => {}) {
    this.#clock = clock;
    this.#onDone = onDone;
  }

  /** Entries not done that are not attached subscriptions (calls waiting for an answer). */
  get calls(): number {
    let calls = 0;
    for (const entry of this.#entries.values()) if (entry.state.kind !== "attached") calls++;
    return calls;
  }

  /** Entries not done. */
  get size(): number {
    return this.#entries.size;
  }

  /** Entries waiting for a connection. */
  get queued(): number {
    return this.#queue.size;
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
    this.#entries.set(entry.operation, entry);
    this.#queue.add(entry);
  }

  /** Removes and returns the queued entries, oldest first (the caller moves each on). */
  takeQueued(): Entry[] {
    const queued = [...this.#queue];
    this.#queue.clear();
    return queued;
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
    if (previous.kind === "queued") this.#queue.delete(entry);
    entry.state = next;
    if (next.kind === "queued") this.#queue.add(entry);
    if ((next.kind === "attached" || next.kind === "done") && entry.deadline !== undefined) {
      this.#clock.clearTimeout(entry.deadline);
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
